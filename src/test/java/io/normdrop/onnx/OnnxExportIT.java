package io.normdrop.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.normdrop.config.JobFiles;
import io.normdrop.data.FashionMnistSample;
import io.normdrop.data.IdxReader;
import io.normdrop.data.IdxWriter;
import io.normdrop.data.LabeledImages;
import io.normdrop.job.MainTest;
import io.normdrop.job.TrainJob;
import io.normdrop.score.TrainedModel;
import io.normdrop.store.RunFiles;
import io.normdrop.testing.DataSources;
import io.normdrop.testing.LocalSpark;
import io.normdrop.testing.Processes;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs trained with {@code output.onnx = true} carry a model.onnx that ONNX Runtime scores as
 * DL4J does on the run's own test set (raw rows in: the CSV's values, the IDX file's pixel
 * bytes): a weight-norm MLP with standardization and a weight-norm conv net with pooling.
 * {@code normdrop export} writes the same file from the run directory, refuses what ONNX cannot
 * express with exit 65, and never leaves a file behind or replaces one unasked.
 */
@ExtendWith(LocalSpark.class)
class OnnxExportIT {
    @TempDir
    static Path dir;
    static TrainJob.Outcome mlp;
    static TrainJob.Outcome conv;
    static float[] csvTest;
    static float[] idxTest;

    @BeforeAll
    static void train(JavaSparkContext sc) throws IOException {
        Random random = new Random(1);
        Files.writeString(dir.resolve("train.csv"), csv(1200, random, null));
        List<float[]> test = new ArrayList<>();
        Files.writeString(dir.resolve("test.csv"), csv(400, random, test));
        csvTest = flatten(test);
        mlp = train(sc, "mlp", """
                data {
                  format = csv
                  csv { header = true, label = label }
                  train.path = "%s"
                  test.path = "%s"
                  normalization = standardize
                  classNames = [ red, green, blue ]
                }
                model.layers = [
                  { type = weightnorm-dense, units = 16, activation = relu },
                  { type = weightnorm-output, dropout.keep = 0.9 } ]
                training { epochs = 3, workers = 2, seed = 7 }
                """.formatted(dir.resolve("train.csv"), dir.resolve("test.csv")));

        IdxReader reader = new IdxReader(new Configuration());
        String sample = FashionMnistSample.SAMPLE.toString();
        LabeledImages train = FashionMnistSample.cut(reader.read(DataSources.idx("train", sample + "/train-images-idx3-ubyte.gz",
                sample + "/train-labels-idx1-ubyte.gz", 0), 10), 60);
        LabeledImages images = FashionMnistSample.cut(reader.read(DataSources.idx("test", sample + "/t10k-images-idx3-ubyte.gz",
                sample + "/t10k-labels-idx1-ubyte.gz", 0), 10), 20);
        write(train, "train");
        write(images, "test");
        idxTest = new float[images.pixels().length];
        for (int i = 0; i < idxTest.length; i++) {
            idxTest[i] = images.pixels()[i] & 0xFF;
        }
        conv = train(sc, "conv", """
                data {
                  train { images = "%1$s/train-images.gz", labels = "%1$s/train-labels.gz" }
                  test { images = "%1$s/test-images.gz", labels = "%1$s/test-labels.gz" }
                  normalization = standardize
                }
                model.layers = [
                  { type = weightnorm-conv2d, channels = 4, kernel = [3, 3], mode = same }
                  { type = subsampling, pooling = max }
                  { type = weightnorm-conv2d, channels = 6, kernel = [3, 3], mode = truncate }
                  { type = subsampling, pooling = avg, kernel = [3, 3], stride = [2, 2], mode = same }
                  { type = weightnorm-dense, units = 16 }
                  { type = weightnorm-output, units = 10 } ]
                training { epochs = 2, workers = 2, seed = 3, updater.learningRate = 0.005 }
                """.formatted(dir));
    }

    private static TrainJob.Outcome train(JavaSparkContext sc, String name, String job) throws IOException {
        Path file = dir.resolve(name + ".conf");
        Files.writeString(file, job + "output { dir = \"" + dir.resolve(name) + "\", runId = auto, onnx = true }\n");
        return new TrainJob(JobFiles.load(file, List.of()), false).run(sc, new PrintWriter(new StringWriter()));
    }

    /** Three overlapping blobs, labels 0..2, six features around 10 (so that standardizing matters). */
    private static String csv(int n, Random random, List<float[]> rows) {
        StringBuilder s = new StringBuilder("label,f0,f1,f2,f3,f4,f5\n");
        for (int i = 0; i < n; i++) {
            int label = i % 3;
            float[] x = new float[6];
            s.append(label);
            for (int j = 0; j < 6; j++) {
                x[j] = (float) (10 * (j % 3 == label ? 1 : 0) + 40 + 6 * random.nextGaussian());
                s.append(',').append(x[j]);
            }
            s.append('\n');
            if (rows != null) {
                rows.add(x);
            }
        }
        return s.toString();
    }

    private static float[] flatten(List<float[]> rows) {
        float[] out = new float[rows.size() * rows.get(0).length];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, out, i * rows.get(i).length, rows.get(i).length);
        }
        return out;
    }

    private static void write(LabeledImages d, String prefix) throws IOException {
        IdxWriter.writeImages(dir.resolve(prefix + "-images.gz"), d.count(), d.rows(), d.cols(), d.pixels());
        IdxWriter.writeLabels(dir.resolve(prefix + "-labels.gz"), d.labels());
    }

    private static byte[] onnxOf(TrainJob.Outcome run) throws IOException {
        return Files.readAllBytes(Path.of(java.net.URI.create(run.directory())).resolve(RunFiles.ONNX_MODEL));
    }

    /** The run's own test set, raw, scored by ONNX Runtime against the run's model in DL4J (pixels / 255 first). */
    private static void assertTestSetScoresAsDl4j(TrainJob.Outcome run, float divisor, float[] rows, int n) throws Exception {
        TrainedModel model = TrainedModel.load(run.directory(), false, new Configuration());
        assertEquals(n * model.features(), rows.length);
        double worst = OnnxExportTest.assertExportScoresAsDl4j(model, divisor, rows, onnxOf(run));
        System.out.printf("%s: largest probability difference %.2e over %d rows%n", run.directory(), worst, n);
    }

    @Test
    void theMlpsOnnxScoresItsTestSetAsDl4j() throws Exception {
        assertTestSetScoresAsDl4j(mlp, 1f, csvTest, 400);
    }

    @Test
    void theConvNetsOnnxScoresItsTestSetAsDl4j() throws Exception {
        assertTestSetScoresAsDl4j(conv, 255f, idxTest, 200);
    }

    @Test
    void metadataNamesTheRunItsClassesAndDigests() throws Exception {
        JsonNode provenance = new ObjectMapper().readTree(Path.of(java.net.URI.create(mlp.directory()))
                .resolve(RunFiles.PROVENANCE).toFile());
        try (OnnxRuntimeScorer ort = new OnnxRuntimeScorer(onnxOf(mlp), 1)) {
            Map<String, String> m = ort.metadata();
            assertEquals("[\"red\",\"green\",\"blue\"]", m.get(OnnxExport.CLASSES_PROPERTY));
            assertEquals(Path.of(java.net.URI.create(mlp.directory())).getFileName().toString(), m.get(OnnxExport.RUN_PROPERTY));
            assertEquals(provenance.get("configDigest").asText(), m.get(OnnxExport.CONFIG_DIGEST_PROPERTY));
            assertEquals(provenance.get("data").get("digest").asText(), m.get(OnnxExport.DATA_DIGEST_PROPERTY));
            assertTrue(m.get(OnnxExport.INPUT_PROPERTY).contains("standardize"), m.get(OnnxExport.INPUT_PROPERTY));
            assertArrayEquals(new long[]{-1, 6}, ort.shape(OnnxExport.INPUT));
        }
        try (OnnxRuntimeScorer ort = new OnnxRuntimeScorer(onnxOf(conv), 1)) {
            assertArrayEquals(new long[]{-1, 784}, ort.shape(OnnxExport.INPUT));
            assertTrue(ort.metadata().get(OnnxExport.INPUT_PROPERTY).startsWith("IDX pixel intensities 0..255"));
        }
    }

    @Test
    void exportWritesWhatTheRunWrote() throws Exception {
        Path out = dir.resolve("exported.onnx");
        MainTest.Result r = MainTest.run("export", conv.directory(), "--format", "onnx", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(onnxOf(conv), Files.readAllBytes(out), "the same bytes as the run's model.onnx");
        assertTrue(r.out().startsWith("normdrop: wrote " + out), r.out());

        r = MainTest.run("export", mlp.directory(), "--out", out.toString());
        assertEquals(73, r.code(), "an existing file is not replaced unasked");
        assertArrayEquals(onnxOf(conv), Files.readAllBytes(out));
        // The published copy carries model.onnx, and exporting it gives the same file.
        Path published = dir.resolve("mlp/published");
        assertArrayEquals(onnxOf(mlp), Files.readAllBytes(published.resolve(RunFiles.ONNX_MODEL)));
        assertEquals(0, MainTest.run("export", published.toString(), "--out", out.toString(), "--overwrite").code());
        assertArrayEquals(onnxOf(mlp), Files.readAllBytes(out));
    }

    @Test
    void aModelOnnxCannotExpressIsRefusedAndNothingIsWritten() throws Exception {
        MultiLayerNetwork batchNorm = OnnxExportTest.batchNormalized(6);
        Path model = dir.resolve("batchnorm.zip");
        ModelSerializer.writeModel(batchNorm, model.toFile(), false);
        Path out = dir.resolve("refused.onnx");
        MainTest.Result r = MainTest.run("export", model.toString(), "--out", out.toString());
        assertEquals(65, r.code());
        assertEquals("normdrop: layer 1: BatchNormalization has no ONNX export (dense, output, conv2d and subsampling "
                + "layers have)\n", r.err());
        assertFalse(Files.exists(out));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().contains("refused")), "no temporary file left");
        }
        assertEquals(66, MainTest.run("export", dir.resolve("none").toString(), "--out", out.toString()).code());
    }

    /**
     * ONNX's own checker (Debian's python3-onnx, which deploy/setup.sh --test installs) with full
     * shape inference accepts both runs' files, and rejects one whose graph names an input that
     * nothing produces (the control: the check can fail).
     */
    @Test
    void onnxsOwnCheckerAcceptsTheFiles() throws Exception {
        String check = "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True); print('valid')";
        for (TrainJob.Outcome run : List.of(mlp, conv)) {
            Path file = Path.of(java.net.URI.create(run.directory())).resolve(RunFiles.ONNX_MODEL);
            Processes.Result r = Processes.run(List.of("/usr/bin/python3", "-c", check, file.toString()));
            assertEquals(0, r.code(), r.err());
            assertEquals("valid\n", r.out());
        }
        onnx.Onnx.ModelProto model = onnx.Onnx.ModelProto.parseFrom(onnxOf(mlp));
        onnx.Onnx.GraphProto.Builder graph = model.getGraph().toBuilder();
        graph.setNode(1, graph.getNode(1).toBuilder().setInput(0, "nothing_makes_this"));
        Path broken = dir.resolve("broken.onnx");
        Files.write(broken, model.toBuilder().setGraph(graph).build().toByteArray());
        Processes.Result r = Processes.run(List.of("/usr/bin/python3", "-c", check, broken.toString()));
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains("nothing_makes_this"), r.err());
    }
}
