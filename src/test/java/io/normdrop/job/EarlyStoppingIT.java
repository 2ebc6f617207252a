package io.normdrop.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.normdrop.config.LoadedJob;
import io.normdrop.config.JobFiles;
import io.normdrop.metrics.EpochMetrics;
import io.normdrop.metrics.MetricsFiles;
import io.normdrop.metrics.MetricsSink;
import io.normdrop.metrics.RunMetrics;
import io.normdrop.store.RunFiles;
import io.normdrop.testing.LocalSpark;
import io.normdrop.train.SparkTrainer;
import io.normdrop.train.TrainingInputs;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Early stopping on the quickstart with a 10 % validation split and an unreachable minDelta: no
 * epoch after the first counts as an improvement, so training stops after exactly patience + 1
 * epochs and keeps the first epoch's network, bit for bit as the trainer checkpointed it; the
 * run's test result is that network's, and its files say which epoch was kept and why.
 */
@ExtendWith(LocalSpark.class)
class EarlyStoppingIT {
    static final int PATIENCE = 2;

    static LoadedJob job(Path out, String... more) {
        List<String> sets = new java.util.ArrayList<>(List.of("data.validation.fraction=0.1",
                "training.earlyStopping.metric=validation-loss", "training.earlyStopping.patience=" + PATIENCE,
                "training.earlyStopping.minDelta=1000", "training.epochs=6", "output.dir=\"" + out + "\""));
        sets.addAll(List.of(more));
        return JobFiles.load(Path.of("jobs/quickstart.conf"), sets);
    }

    @ParameterizedTest
    @ValueSource(strings = {"allreduce", "resident", "parameter-averaging"})
    void anUnreachableMinDeltaStopsAfterPatiencePlusOneEpochsKeepingTheFirst(String master, JavaSparkContext sc,
                                                                              @TempDir Path dir) throws Exception {
        LoadedJob job = job(dir.resolve("trainer"), "training.master=" + master);
        Map<Integer, float[]> checkpointed = new HashMap<>();
        SparkTrainer trainer = new SparkTrainer(sc, job.config().training(), false);
        SparkTrainer.Result result;
        try (TrainingInputs inputs = TrainingInputs.prepare(sc, job.config(), new PrintWriter(new StringWriter()))) {
            assertEquals(1000, inputs.validation().orElseThrow().count(), "a tenth of the 10,000 sample images");
            assertEquals(9000, inputs.train().count());
            MultiLayerNetwork network = inputs.initialNetwork(job.config().model().dataInit(), new PrintWriter(new StringWriter()));
            result = trainer.fit(network, inputs, MetricsSink.all(), SparkTrainer.Start.FRESH,
                    (epoch, trained, iterations, watch) -> checkpointed.put(epoch, trained.params().toFloatVector()));
        }
        assertEquals(PATIENCE + 1, result.epochs().size(), "stopped after patience + 1 epochs");
        assertEquals(PATIENCE + 1, checkpointed.size());
        assertEquals(1, result.stopping().keptEpoch());
        assertArrayEquals(checkpointed.get(1), result.network().params().toFloatVector(), "the first epoch's parameters");
        assertFalse(java.util.Arrays.equals(checkpointed.get(PATIENCE + 1), checkpointed.get(1)), "training went on");
        assertEquals(result.epochs().get(0).testAccuracy(), result.evaluation().accuracy(), 1e-12,
                "the test result is the kept network's");
        for (EpochMetrics e : result.epochs()) {
            assertNotNull(e.validation(), "every epoch reports validation loss and accuracy");
        }
        assertEquals("validation-loss did not improve by more than 1000.0 for 2 epochs after epoch 1",
                result.stopping().reason());
    }

    /**
     * A run interrupted after epoch 2 and resumed from its state stops where the uninterrupted
     * run stops (after epoch 3, patience 2 counted across the interruption) and keeps epoch 1.
     */
    @Test
    void aResumedRunKnowsTheBestEpochAndItsPatience(JavaSparkContext sc, @TempDir Path dir) throws Exception {
        LoadedJob job = job(dir.resolve("resumed"));
        SparkTrainer trainer = new SparkTrainer(sc, job.config().training(), false);
        Map<Integer, float[]> checkpointed = new HashMap<>();
        io.normdrop.metrics.WatchState[] after2 = new io.normdrop.metrics.WatchState[1];
        MultiLayerNetwork[] state2 = new MultiLayerNetwork[2];
        SparkTrainer.Result resumed;
        try (TrainingInputs inputs = TrainingInputs.prepare(sc, job.config(), new PrintWriter(new StringWriter()))) {
            MultiLayerNetwork network = inputs.initialNetwork(job.config().model().dataInit(), new PrintWriter(new StringWriter()));
            RuntimeException killed = new RuntimeException("the driver dies after epoch 2");
            try {
                trainer.fit(network, inputs, MetricsSink.all(), SparkTrainer.Start.FRESH, (epoch, trained, iterations, watch) -> {
                    checkpointed.put(epoch, trained.params().toFloatVector());
                    if (epoch == 1) {
                        state2[0] = trained.clone(); // the best epoch's checkpoint
                    }
                    if (epoch == 2) {
                        after2[0] = watch;
                        state2[1] = trained.clone();
                        throw killed;
                    }
                });
            } catch (RuntimeException e) {
                assertEquals(killed, e);
            }
            assertEquals(1, after2[0].bestEpoch());
            assertEquals(1, after2[0].sinceBest());
            resumed = trainer.fit(state2[1], inputs, MetricsSink.all(), new SparkTrainer.Start(3, 0,
                    java.util.Optional.empty(), after2[0], state2[0]), SparkTrainer.EpochEnd.NONE);
        }
        assertEquals(1, resumed.epochs().size(), "epoch 3 only: the patience count went on");
        assertEquals(new RunMetrics.Stopping(1, 3, "validation-loss on data.validation",
                "validation-loss did not improve by more than 1000.0 for 2 epochs after epoch 1"), resumed.stopping());
        assertArrayEquals(checkpointed.get(1), resumed.network().params().toFloatVector(), "epoch 1's network kept");
    }

    @Test
    void theRunsFilesSayWhichEpochWasKeptAndWhy(JavaSparkContext sc, @TempDir Path dir) throws Exception {
        StringWriter console = new StringWriter();
        TrainJob.Outcome outcome = new TrainJob(job(dir.resolve("run")), false).run(sc, new PrintWriter(console, true));
        Path run = dir.resolve("run");
        RunMetrics m = outcome.metrics();
        assertEquals(new RunMetrics.Stopping(1, PATIENCE + 1, "validation-loss on data.validation",
                "validation-loss did not improve by more than 1000.0 for 2 epochs after epoch 1"), m.stopping());
        assertEquals(m.epochs().get(0).metrics().testAccuracy(), m.result().accuracy(), 1e-12);
        assertEquals(m.result().accuracy(), outcome.testAccuracy(), 1e-12, "the quality gate's number");
        assertTrue(console.toString().contains("val loss "), console.toString());
        JsonNode json = new ObjectMapper().readTree(run.resolve(MetricsFiles.JSON_FILE).toFile());
        assertEquals(1, json.path("stopping").path("keptEpoch").asInt());
        assertTrue(json.path("epochs").get(0).path("metrics").path("validation").path("accuracy").isNumber());
        String csv = Files.readString(run.resolve(MetricsFiles.CSV_FILE));
        assertTrue(csv.lines().findFirst().orElseThrow().contains(",validation_loss,validation_accuracy,learning_rate,"));
        assertTrue(Files.readString(run.resolve(MetricsFiles.PROMETHEUS_FILE)).contains("normdrop_kept_epoch"));
        assertTrue(Files.readString(run.resolve(MetricsFiles.REPORT_FILE)).contains("Kept: epoch 1 (chosen by "
                + "validation-loss on data.validation)"));
        JsonNode provenance = new ObjectMapper().readTree(run.resolve(RunFiles.PROVENANCE).toFile());
        assertEquals("validation-loss on data.validation", provenance.path("selection").path("epoch").asText());
        // model.zip holds the kept network: it scores the test set as the run reported.
        MultiLayerNetwork saved = ModelSerializer.restoreMultiLayerNetwork(run.resolve(RunFiles.MODEL).toFile(), true);
        assertArrayEquals(outcome.network().params().toFloatVector(), saved.params().toFloatVector());
    }
}
