package io.normdrop.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.normdrop.config.JobFiles;
import io.normdrop.config.LoadedJob;
import io.normdrop.data.IdxReader;
import io.normdrop.data.LabeledImages;
import io.normdrop.data.Minibatches;
import io.normdrop.metrics.MetricsFiles;
import io.normdrop.metrics.Provenance;
import io.normdrop.nn.NetworkDiagnostics;
import io.normdrop.store.RunFiles;
import io.normdrop.testing.LocalSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The quickstart job end to end on local[2]: it learns, and what it saves is what it trained. */
@ExtendWith(LocalSpark.class)
class QuickstartIT {
    @Test
    void trainsWellAboveChanceAndTheSavedModelReloadsWithTheSamePredictions(JavaSparkContext sc, @TempDir Path dir)
            throws Exception {
        Path runDir = dir.resolve("quickstart");
        LoadedJob job = JobFiles.load(Path.of("jobs/quickstart.conf"),
                List.of("output.dir=\"" + runDir + "\"", "training.epochs=3", "model.dataInit.enabled=true"));
        StringWriter console = new StringWriter();
        TrainJob.Outcome outcome = new TrainJob(job, false).run(sc, new PrintWriter(console, true));

        // Ten balanced classes: chance is 0.10. Three epochs on the sample reach about 0.84.
        assertTrue(outcome.testAccuracy() > 0.75, "test accuracy " + outcome.testAccuracy());
        assertEquals(3, outcome.epochs().size());
        assertTrue(console.toString().contains("epoch 3/3  loss "), console.toString());

        for (String f : List.of(RunFiles.MODEL, RunFiles.PROVENANCE, RunFiles.METRICS_LINES, RunFiles.RESOLVED_JOB, "_SUCCESS",
                MetricsFiles.JSON_FILE, MetricsFiles.CSV_FILE, MetricsFiles.REPORT_FILE, MetricsFiles.PROMETHEUS_FILE)) {
            assertTrue(Files.exists(runDir.resolve(f)), f);
        }
        assertEquals(3, Files.readAllLines(runDir.resolve(RunFiles.METRICS_LINES)).size());

        // Reload and evaluate on one machine: same predictions, same accuracy as reported.
        MultiLayerNetwork reloaded = ModelSerializer.restoreMultiLayerNetwork(runDir.resolve(RunFiles.MODEL).toFile(), true);
        LabeledImages test = new IdxReader(sc.hadoopConfiguration()).read(job.config().data().test(), 10);
        Evaluation evaluation = new Evaluation(10);
        for (DataSet batch : Minibatches.dataSets(test, 500, 10)) {
            INDArray saved = reloaded.output(batch.getFeatures());
            INDArray trained = outcome.network().output(batch.getFeatures());
            assertEquals(trained, saved, "reloaded model predicts differently");
            evaluation.eval(batch.getLabels(), saved);
        }
        assertEquals(outcome.testAccuracy(), evaluation.accuracy(), 1e-9);
        assertTrue(console.toString().contains("data-dependent initialization of 2 weight-norm layer(s)"), console.toString());

        // The inference model: weight norm folded into plain layers, same predictions within 1e-5.
        MultiLayerNetwork folded = ModelSerializer.restoreMultiLayerNetwork(runDir.resolve(RunFiles.INFERENCE_MODEL).toFile());
        for (DataSet batch : Minibatches.dataSets(test, 500, 10)) {
            double diff = folded.output(batch.getFeatures()).sub(reloaded.output(batch.getFeatures())).amaxNumber().doubleValue();
            assertTrue(diff < 1e-5, "folded model differs by " + diff);
        }
        assertNotNull(reloaded.getUpdater().getStateViewArray(), "updater state saved for further training");

        // Provenance: in its own file and inside the model.
        JsonNode provenance = new ObjectMapper().readTree(runDir.resolve(RunFiles.PROVENANCE).toFile());
        assertEquals(Provenance.FORMAT, provenance.get("format").asText());
        assertEquals(42, provenance.get("seed").asLong());
        assertEquals(10_000, provenance.at("/data/trainExamples").asInt());
        assertEquals(64, provenance.at("/data/train/0/sha256").asText().length());
        assertEquals(3, provenance.at("/job/training/epochs").asInt());
        assertEquals(0.8, provenance.at("/network/layers/1/keep").asDouble(), 1e-12);
        assertEquals(job.configDigest(), provenance.get("configDigest").asText());
        assertTrue(provenance.path("epochs").isMissingNode(), "results are in metrics.json, not in the provenance");
        for (String model : List.of(RunFiles.MODEL, RunFiles.INFERENCE_MODEL)) {
            assertEquals(Files.readString(runDir.resolve(RunFiles.PROVENANCE)),
                    ModelSerializer.getObjectFromFile(runDir.resolve(model).toFile(), RunFiles.MODEL_PROVENANCE_ENTRY), model);
            assertEquals(Files.readString(runDir.resolve(MetricsFiles.JSON_FILE)),
                    ModelSerializer.getObjectFromFile(runDir.resolve(model).toFile(), RunFiles.MODEL_METRICS_ENTRY), model);
        }
        // The run's job.conf is the job: loaded again, the same configuration.
        assertEquals(job.config(), JobFiles.load(runDir.resolve(RunFiles.RESOLVED_JOB), List.of()).config());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "only the committed run directory");
        }
        assertMetrics(runDir, outcome, evaluation);
    }

    /** metrics.json and its renderings agree with what the run did. */
    private static void assertMetrics(Path runDir, TrainJob.Outcome outcome, Evaluation evaluation) throws Exception {
        JsonNode m = MetricsFiles.read(Files.newInputStream(runDir.resolve(MetricsFiles.JSON_FILE)), "metrics.json");
        assertEquals("quickstart", m.at("/run/name").asText());
        assertEquals(outcome.testAccuracy(), m.at("/result/accuracy").asDouble(), 1e-12);
        assertEquals(3, m.get("epochs").size());

        // Rounds: each epoch's rounds cover all 10,000 examples; in each round the named parts of
        // the breakdown fit in its wall time and "other" is what they leave.
        JsonNode rounds = m.get("rounds");
        for (int epoch = 1; epoch <= 3; epoch++) {
            long examples = 0;
            double wall = 0;
            int count = 0;
            for (JsonNode r : rounds) {
                if (r.get("epoch").asInt() == epoch) {
                    examples += r.get("examples").asLong();
                    wall += r.get("wallSeconds").asDouble();
                    count++;
                    JsonNode t = r.get("time");
                    double named = 0;
                    for (String part : List.of("broadcast", "fit", "aggregation", "repartition", "export")) {
                        assertTrue(t.get(part).asDouble() >= 0, part + ": " + r);
                        named += t.get(part).asDouble();
                    }
                    double roundWall = r.get("wallSeconds").asDouble();
                    assertTrue(named <= roundWall, "the named parts exceed the round's wall time: " + r);
                    assertEquals(roundWall - named, t.get("other").asDouble(), 1e-9, "other is the rest: " + r);
                    // allreduce: every round fits and averages; the epoch's one broadcast is its first round's
                    assertTrue(t.get("fit").asDouble() > 0 && t.get("aggregation").asDouble() > 0, "every part measured: " + r);
                    assertEquals(r.get("round").asInt() == 1, t.get("broadcast").asDouble() > 0, "broadcast once an epoch: " + r);
                }
            }
            JsonNode e = m.at("/epochs/" + (epoch - 1) + "/metrics");
            assertEquals(10_000, examples, "epoch " + epoch);
            assertEquals(e.get("rounds").asInt(), count);
            assertTrue(wall <= e.get("trainSeconds").asDouble() + 1e-6, "rounds within the epoch's training time");
            // one barrier task per worker trains the epoch, and more evaluate it
            assertTrue(m.at("/epochs/" + (epoch - 1) + "/spark/tasks").asLong() > 2, "tasks of the epoch");
        }

        // The final evaluation: the confusion matrix is the evaluation's, per-class recall from it.
        JsonNode confusion = m.at("/result/confusion");
        long total = 0;
        long diagonal = 0;
        for (int a = 0; a < 10; a++) {
            for (int p = 0; p < 10; p++) {
                long n = confusion.get(a).get(p).asLong();
                assertEquals(evaluation.getConfusion().getCount(a, p), n);
                total += n;
                diagonal += a == p ? n : 0;
            }
            assertEquals(evaluation.recall(a), m.at("/result/classes/" + a + "/recall").asDouble(), 1e-9);
        }
        assertEquals(2_000, total);
        long partitioned = 0;
        for (JsonNode p : m.get("partitions")) {
            assertTrue(p.asLong() > 0, "no empty partition: " + m.get("partitions"));
            partitioned += p.asLong();
        }
        assertEquals(10_000, partitioned, "the partitions hold the training set");
        assertEquals(outcome.testAccuracy(), diagonal / 2000.0, 1e-12);
        assertEquals("Ankle boot", m.at("/data/classNames/9").asText());

        // Spark and memory, as the listener and the probes saw them.
        assertTrue(m.at("/spark/totals/tasks").asLong() > 0);
        assertEquals("driver", m.at("/spark/executors/0/executorId").asText());
        assertTrue(m.at("/spark/peakDriverMemory/heapUsedBytes").asLong() > 0);
        assertTrue(m.at("/spark/peakDriverMemory/rssBytes").asLong() > m.at("/spark/peakDriverMemory/heapUsedBytes").asLong());

        // Model diagnostics of the saved network.
        assertEquals(256, m.at("/model/layers/0/gain/count").asInt());
        assertEquals(128, m.at("/model/layers/1/directionNorm/count").asInt());
        assertEquals(0.8, m.at("/model/layers/2/keep").asDouble(), 1e-12);
        assertEquals(NetworkDiagnostics.of(outcome.network()).parameterDigest(), m.at("/model/parameterDigest").asText());

        assertEquals(4, Files.readAllLines(runDir.resolve(MetricsFiles.CSV_FILE)).size());
        assertTrue(Files.readString(runDir.resolve(MetricsFiles.PROMETHEUS_FILE))
                .contains("normdrop_test_accuracy{model=\"quickstart\",} " + outcome.testAccuracy()));
        String report = Files.readString(runDir.resolve(MetricsFiles.REPORT_FILE));
        for (String chart : List.of("loss", "accuracy", "time", "class-accuracy", "confusion", "gain-0", "norm-1")) {
            assertTrue(report.contains("data-chart=\"" + chart + "\""), chart);
        }
    }
}
