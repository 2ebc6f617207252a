package io.normdrop.onnx;

import io.normdrop.config.ImageShape;
import io.normdrop.config.JobConfig;
import io.normdrop.config.JobFiles;
import io.normdrop.config.Normalization;
import io.normdrop.data.FeatureScaler;
import io.normdrop.nn.NetworkFactory;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ONNX export scores as DL4J does, checked by ONNX Runtime on every network a job file can
 * build: every activation, weight-norm and plain dense, output and conv layers, max and average
 * pooling in each convolution mode (padding made explicit), the feature scaling and IDX pixels
 * in the graph. Probabilities within 1e-5 of {@code output()} and the same class for every row;
 * what it cannot write is refused by name.
 */
class OnnxExportTest {
    static final double TOLERANCE = 1e-5;

    static final String DATA = """
            data {
              train { images = a, labels = b }
              test { images = c, labels = d }
            }
            training.updater { type = adam, learningRate = 0.01 }
            output.dir = out
            """;

    /** A job-file network on rows of {@code features}, or images of {@code shape}, trained for three steps. */
    static MultiLayerNetwork network(String layers, int features, ImageShape shape) {
        JobConfig c = JobFiles.parse(DATA + "model.layers = " + layers, List.of()).config();
        MultiLayerConfiguration conf = shape == null ? NetworkFactory.configuration(c.model(), c.training(), features)
                : NetworkFactory.configuration(c.model(), c.training(), shape);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        int n = 32;
        int in = shape == null ? features : (int) shape.features();
        int classes = (int) net.layerSize(net.getnLayers() - 1);
        Random random = new Random(11);
        for (int step = 0; step < 3; step++) {
            float[] y = new float[n * classes];
            for (int i = 0; i < n; i++) {
                y[i * classes + random.nextInt(classes)] = 1;
            }
            net.fit(Nd4j.create(rows(n, in, random.nextLong()), new long[]{n, in}, 'c'),
                    Nd4j.create(y, new long[]{n, classes}, 'c'));
        }
        return net;
    }

    static float[] rows(int n, int features, long seed) {
        Random random = new Random(seed);
        float[] x = new float[n * features];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (2 * random.nextGaussian());
        }
        return x;
    }

    /**
     * Scores {@code rows} (raw) with DL4J on the rows as Normdrop would give them (divided,
     * scaled) and with ONNX Runtime on the export; asserts they agree; returns the largest difference.
     */
    static double assertScoresAsDl4j(MultiLayerNetwork net, OnnxExport.Input input, float[] rows, int n) throws Exception {
        return assertScoresAsDl4j(net, input, input, rows, n);
    }

    /** As above, with the export written for {@code exported} while DL4J scores rows prepared as {@code input} says. */
    static double assertScoresAsDl4j(MultiLayerNetwork net, OnnxExport.Input input, OnnxExport.Input exported, float[] rows,
                                     int n) throws Exception {
        return assertScoresAsDl4j(net, input, rows, n, OnnxExport.toBytes(net, exported, Map.of(), "test"));
    }

    /**
     * A trained model's exported file against the model scored as Normdrop scores it: raw rows
     * divided by {@code divisor} (255 for IDX pixels), then the model's scaling, then DL4J's output().
     */
    static double assertExportScoresAsDl4j(io.normdrop.score.TrainedModel model, float divisor, float[] rows, byte[] onnx)
            throws Exception {
        return assertScoresAsDl4j(model.network(), new OnnxExport.Input(divisor, model.scaler()), rows,
                rows.length / model.features(), onnx);
    }

    /** DL4J on the rows prepared as {@code input} says against ONNX Runtime on the raw rows with {@code onnx}. */
    static double assertScoresAsDl4j(MultiLayerNetwork net, OnnxExport.Input input, float[] rows, int n, byte[] onnx)
            throws Exception {
        int features = rows.length / n;
        float[] x = rows.clone();
        for (int i = 0; i < x.length; i++) {
            x[i] /= input.divisor();
        }
        if (input.scaler() != null) {
            input.scaler().apply(x, n);
        }
        float[] expected = net.output(Nd4j.create(x, new long[]{n, features}, 'c'), false).castTo(DataType.FLOAT)
                .dup('c').data().asFloat();
        float[] actual;
        try (OnnxRuntimeScorer ort = new OnnxRuntimeScorer(onnx, 1)) {
            actual = ort.probabilities(rows, n, features);
        }
        assertEquals(expected.length, actual.length);
        int classes = expected.length / n;
        double worst = 0;
        for (int r = 0; r < n; r++) {
            int expectedClass = 0;
            int actualClass = 0;
            for (int k = 0; k < classes; k++) {
                worst = Math.max(worst, Math.abs(expected[r * classes + k] - actual[r * classes + k]));
                expectedClass = expected[r * classes + k] > expected[r * classes + expectedClass] ? k : expectedClass;
                actualClass = actual[r * classes + k] > actual[r * classes + actualClass] ? k : actualClass;
            }
            assertEquals(expectedClass, actualClass, "row " + r);
        }
        assertTrue(worst <= TOLERANCE, "largest difference " + worst);
        return worst;
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void everyActivationScoresAsDl4j(Activation activation) throws Exception {
        MultiLayerNetwork net = network("""
                [ { type = weightnorm-dense, units = 9, activation = %s }
                  { type = dense, units = 7, activation = %s }
                  { type = weightnorm-output, units = 4 } ]""".formatted(activation, activation), 6, null);
        assertScoresAsDl4j(net, OnnxExport.Input.RAW, rows(200, 6, 5), 200);
    }

    @Test
    void featureScalingIsPartOfTheGraph() throws Exception {
        MultiLayerNetwork net = network("""
                [ { type = weightnorm-dense, units = 16 }, { type = output, units = 3 } ]""", 5, null);
        FeatureScaler scaler = FeatureScaler.restore(Normalization.STANDARDIZE, new float[]{10, -3, 0, 100, 0.5f},
                new float[]{2, 0.25f, 1, 40, 3});
        float[] rows = rows(300, 5, 9);
        for (int i = 0; i < rows.length; i++) {
            rows[i] = rows[i] * (i % 5 == 3 ? 40 : 2) + (i % 5 == 3 ? 100 : 10);
        }
        OnnxExport.Input scaled = new OnnxExport.Input(1f, scaler);
        assertScoresAsDl4j(net, scaled, rows, 300);
        // The control: exported without its scaling, the network scores the raw rows otherwise.
        assertThrows(AssertionError.class, () -> assertScoresAsDl4j(net, scaled, OnnxExport.Input.RAW, rows, 300));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // The conv job's shape: same convolutions, max pooling, a weight-norm dense head.
            """
            [ { type = weightnorm-conv2d, channels = 4, kernel = [3, 3], mode = same }
              { type = subsampling, pooling = max }
              { type = weightnorm-conv2d, channels = 6, kernel = [3, 3], mode = same }
              { type = subsampling, pooling = max }
              { type = weightnorm-dense, units = 12 }
              { type = weightnorm-output, units = 5 } ]""",
            // Strided and truncating windows, average pooling whose same-mode padding is not counted.
            """
            [ { type = conv2d, channels = 3, kernel = [5, 5], stride = [2, 2], mode = truncate, activation = tanh }
              { type = subsampling, pooling = avg, kernel = [3, 3], stride = [2, 2], mode = same }
              { type = output, units = 4 } ]""",
            """
            [ { type = weightnorm-conv2d, channels = 5, kernel = [2, 3], stride = [2, 1], mode = same, activation = elu }
              { type = subsampling, pooling = avg, kernel = [2, 2], mode = truncate }
              { type = weightnorm-conv2d, channels = 3, kernel = [3, 3], stride = [2, 2], mode = strict, activation = softmax }
              { type = subsampling, pooling = max, kernel = [3, 2], stride = [1, 2], mode = same }
              { type = dense, units = 8, activation = swish }
              { type = output, units = 3 } ]"""})
    void convNetsWithPoolingScoreAsDl4j(String layers) throws Exception {
        ImageShape shape = layers.contains("strict") ? new ImageShape(2, 22, 14) : new ImageShape(1, 14, 14);
        MultiLayerNetwork net = network(layers, 0, shape);
        float[] pixels = rows(64, (int) shape.features(), 3);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = Math.min(255, Math.abs(pixels[i]) * 60);
        }
        FeatureScaler scaler = FeatureScaler.restore(Normalization.MINMAX, new float[(int) shape.features()],
                filled((int) shape.features(), 0.8f));
        assertScoresAsDl4j(net, new OnnxExport.Input(255f, scaler), pixels, 64);
    }

    static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    @Test
    void namesShapesAndMetadataAsDeclared() throws Exception {
        MultiLayerNetwork net = network("[ { type = dense, units = 4 }, { type = output, units = 3 } ]", 6, null);
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("normdrop.classes", "[\"a\",\"b\",\"c\"]");
        metadata.put("normdrop.run", "20261205-0400");
        try (OnnxRuntimeScorer ort = new OnnxRuntimeScorer(OnnxExport.toBytes(net, OnnxExport.Input.RAW, metadata, "x"), 1)) {
            assertArrayEquals(new long[]{-1, 6}, ort.shape(OnnxExport.INPUT));
            assertArrayEquals(new long[]{-1, 3}, ort.shape(OnnxExport.OUTPUT));
            assertEquals(metadata, ort.metadata());
            assertEquals(3, ort.probabilities(rows(1, 6, 1), 1, 6).length, "a batch of one");
            assertEquals(37 * 3, ort.probabilities(rows(37, 6, 1), 37, 6).length, "a batch of 37");
        }
        onnx.Onnx.ModelProto model = onnx.Onnx.ModelProto.parseFrom(OnnxExport.toBytes(net, OnnxExport.Input.RAW, metadata, "x"));
        assertEquals(OnnxExport.OPSET, model.getOpsetImport(0).getVersion());
        assertEquals(List.of("Gemm", "Relu", "Gemm", "Softmax"), model.getGraph().getNodeList().stream()
                .map(onnx.Onnx.NodeProto::getOpType).toList(), "no dropout, nothing but the layers");
    }

    /** dense → batch normalization → output on {@code features} inputs: a layer the export does not write. */
    static MultiLayerNetwork batchNormalized(int features) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
                .layer(new DenseLayer.Builder().nIn(features).nOut(5).build())
                .layer(new BatchNormalization.Builder().nOut(5).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(features)).build());
        net.init();
        return net;
    }

    @Test
    void aLayerOnnxCannotExpressIsRefusedByName() {
        MultiLayerNetwork batchNorm = batchNormalized(4);
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
                () -> OnnxExport.toBytes(batchNorm, OnnxExport.Input.RAW, Map.of(), "x"));
        assertEquals("layer 1: BatchNormalization has no ONNX export (dense, output, conv2d and subsampling layers have)",
                e.getMessage());

        MultiLayerNetwork pnorm = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
                .layer(new SubsamplingLayer.Builder(PoolingType.PNORM).pnorm(2).kernelSize(2, 2).stride(2, 2).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(4, 4, 1)).build());
        pnorm.init();
        e = assertThrows(UnsupportedModelException.class, () -> OnnxExport.toBytes(pnorm, OnnxExport.Input.RAW, Map.of(), "x"));
        assertEquals("layer 0: PNORM pooling has no ONNX export (max and avg pooling have)", e.getMessage());
    }
}
