package io.normdrop.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.normdrop.config.JobFiles;
import io.normdrop.config.LoadedJob;
import io.normdrop.data.IdxReader;
import io.normdrop.data.LabeledImages;
import io.normdrop.data.Minibatches;
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

        for (String f : List.of(TrainJob.MODEL, TrainJob.PROVENANCE, TrainJob.METRICS, TrainJob.RESOLVED_JOB, "_SUCCESS")) {
            assertTrue(Files.exists(runDir.resolve(f)), f);
        }
        assertEquals(3, Files.readAllLines(runDir.resolve(TrainJob.METRICS)).size());

        // Reload and evaluate on one machine: same predictions, same accuracy as reported.
        MultiLayerNetwork reloaded = ModelSerializer.restoreMultiLayerNetwork(runDir.resolve(TrainJob.MODEL).toFile(), true);
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
        MultiLayerNetwork folded = ModelSerializer.restoreMultiLayerNetwork(runDir.resolve(TrainJob.INFERENCE_MODEL).toFile());
        for (DataSet batch : Minibatches.dataSets(test, 500, 10)) {
            double diff = folded.output(batch.getFeatures()).sub(reloaded.output(batch.getFeatures())).amaxNumber().doubleValue();
            assertTrue(diff < 1e-5, "folded model differs by " + diff);
        }
        assertNotNull(reloaded.getUpdater().getStateViewArray(), "updater state saved for further training");

        // Provenance: in its own file and inside the model.
        JsonNode provenance = new ObjectMapper().readTree(runDir.resolve(TrainJob.PROVENANCE).toFile());
        assertEquals(Provenance.FORMAT, provenance.get("format").asText());
        assertEquals(42, provenance.get("seed").asLong());
        assertEquals(10_000, provenance.at("/data/trainExamples").asInt());
        assertEquals(64, provenance.at("/data/train/0/sha256").asText().length());
        assertEquals(3, provenance.at("/job/training/epochs").asInt());
        assertEquals(0.8, provenance.at("/network/layers/1/keep").asDouble(), 1e-12);
        assertEquals(3, provenance.get("epochs").size());
        String embedded = ModelSerializer.getObjectFromFile(runDir.resolve(TrainJob.MODEL).toFile(),
                TrainJob.MODEL_PROVENANCE_ENTRY);
        assertEquals(Files.readString(runDir.resolve(TrainJob.PROVENANCE)), embedded);
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "only the committed run directory");
        }
    }
}
