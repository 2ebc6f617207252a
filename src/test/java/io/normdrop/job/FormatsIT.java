package io.normdrop.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.normdrop.config.JobFiles;
import io.normdrop.data.SyntheticData;
import io.normdrop.metrics.MetricsFiles;
import io.normdrop.store.RunFiles;
import io.normdrop.testing.LocalSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.common.primitives.Pair;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.Normalizer;
import org.nd4j.linalg.factory.Nd4j;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training from csv and parquet end to end: the same data in either format trains the same
 * network bit for bit, the scaling travels with the model and applies at inference, and skipped
 * bad records are counted.
 */
@ExtendWith(LocalSpark.class)
class FormatsIT {
    private static final SyntheticData TRAIN = new SyntheticData(2000, 64, 4, 0.5, 11);
    private static final SyntheticData TEST = new SyntheticData(400, 64, 4, 0.5, 11);

    @TempDir
    Path dir;

    private Path job(String data, String out) throws Exception {
        Path job = dir.resolve(out + ".conf");
        Files.writeString(job, """
                data {
                %s
                  normalization = standardize
                }
                model.layers = [
                  { type = weightnorm-dense, units = 32 }
                  { type = output }
                ]
                training { epochs = 3, workers = 2, averagingPeriod = 2, updater.learningRate = 0.005 }
                output.dir = "%s"
                """.formatted(data, dir.resolve(out)));
        return job;
    }

    private TrainJob.Outcome train(JavaSparkContext sc, Path job, StringWriter err) throws Exception {
        return new TrainJob(JobFiles.load(job, List.of()), false).run(sc, new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true));
    }

    @Test
    void csvAndParquetOfTheSameDataTrainTheSameModelWhichCarriesItsScaling(JavaSparkContext sc) throws Exception {
        String[] trainCsv = TRAIN.write(dir.toString(), "train", SyntheticData.Format.CSV, 0, sc.hadoopConfiguration());
        String[] testCsv = TEST.write(dir.toString(), "test", SyntheticData.Format.CSV, 1, sc.hadoopConfiguration());
        // One task each: the files hold the examples in the csv's order.
        String trainParquet = TRAIN.writeParquet(sc, dir.toString(), "train", 0, 1);
        String testParquet = TEST.writeParquet(sc, dir.toString(), "test", 1, 1);

        TrainJob.Outcome csv = train(sc, job("""
                  format = csv
                  csv { header = true, label = label }
                  train.path = "%s"
                  test.path = "%s"
                """.formatted(trainCsv[0], testCsv[0]), "csv"), new StringWriter());
        TrainJob.Outcome parquet = train(sc, job("""
                  format = parquet
                  train.path = "%s"
                  test.path = "%s"
                """.formatted(trainParquet, testParquet), "parquet"), new StringWriter());

        assertTrue(csv.testAccuracy() > 0.6, "4 classes, chance 0.25: " + csv.testAccuracy());
        assertEquals(csv.metrics().model().parameterDigest(), parquet.metrics().model().parameterDigest(),
                "the same examples in the same order train the same parameters whatever the format");
        assertEquals(csv.testAccuracy(), parquet.testAccuracy());

        JsonNode data = new ObjectMapper().readTree(dir.resolve("csv").resolve(MetricsFiles.JSON_FILE).toFile()).get("data");
        assertEquals("csv", data.get("format").asText());
        assertEquals(64, data.get("features").asInt());
        assertEquals("standardize", data.get("normalization").asText());
        assertEquals("[500,500,500,500]", data.get("classCounts").toString());
        List<Long> partitions = StreamSupport.stream(new ObjectMapper().readTree(dir.resolve("csv")
                .resolve(MetricsFiles.JSON_FILE).toFile()).get("partitions").spliterator(), false).map(JsonNode::asLong).toList();
        assertEquals(2000, partitions.stream().mapToLong(Long::longValue).sum());
        assertEquals(0, partitions.size() % 2, "whole rounds of 2 workers: " + partitions);
        assertTrue(partitions.stream().mapToLong(Long::longValue).max().getAsLong()
                - partitions.stream().mapToLong(Long::longValue).min().getAsLong() <= 1, "balanced: " + partitions);

        // Inference from the saved files alone: the model and its normalizer, on raw test rows.
        List<float[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(testCsv[0])).subList(1, 401)) {
            String[] f = line.split(",");
            labels.add(Integer.parseInt(f[0]));
            float[] x = new float[64];
            for (int j = 0; j < 64; j++) {
                x[j] = Float.parseFloat(f[j + 1]);
            }
            rows.add(x);
        }
        INDArray features = Nd4j.create(rows.toArray(float[][]::new)).castTo(DataType.FLOAT);
        INDArray expected = Nd4j.zeros(DataType.FLOAT, 400, 4);
        for (int i = 0; i < 400; i++) {
            expected.putScalar(i, labels.get(i), 1);
        }
        for (String model : List.of(RunFiles.MODEL, RunFiles.INFERENCE_MODEL)) {
            Pair<MultiLayerNetwork, Normalizer> restored = ModelSerializer.restoreMultiLayerNetworkAndNormalizer(
                    dir.resolve("csv").resolve(model).toFile(), false);
            assertNotNull(restored.getSecond(), model + " carries the normalizer");
            INDArray x = features.dup();
            ((DataNormalization) restored.getSecond()).transform(x);
            Evaluation evaluation = new Evaluation(4);
            evaluation.eval(expected, restored.getFirst().output(x, false));
            assertEquals(csv.testAccuracy(), evaluation.accuracy(), 1e-9, model + ": the run's reported accuracy");
        }
    }

    @Test
    void skippedBadRecordsAreCountedAndTrainingGoesOn(JavaSparkContext sc) throws Exception {
        String[] trainCsv = TRAIN.write(dir.toString(), "train", SyntheticData.Format.CSV, 0, sc.hadoopConfiguration());
        Path dirty = dir.resolve("dirty.csv");
        List<String> lines = new ArrayList<>(Files.readAllLines(Path.of(trainCsv[0])));
        lines.add(5, "7," + "1,".repeat(63) + "1");  // label out of range
        lines.add(9, "1,2,3");                        // too few features
        lines.add("2," + "x,".repeat(63) + "1");      // not numbers
        Files.write(dirty, lines);
        StringWriter err = new StringWriter();
        TrainJob.Outcome run = train(sc, job("""
                  format = csv
                  csv { header = true, label = label }
                  classes = 4
                  train.path = "%s"
                  test.path = "%s"
                  onBadRecord = skip
                """.formatted(dirty, trainCsv[0]), "dirty"), err);
        assertEquals(3, run.metrics().data().badTrain());
        assertEquals(0, run.metrics().data().badTest());
        assertEquals(2000, run.metrics().data().trainExamples());
        assertTrue(err.toString().startsWith("normdrop: warning: data.train: skipped 3 bad record(s) of 2,003 "
                + "(data.onBadRecord = skip); first: file:" + dirty + ": line 6: label 7 out of range: the job has 4 classes (0..3)"),
                err.toString());
    }
}
