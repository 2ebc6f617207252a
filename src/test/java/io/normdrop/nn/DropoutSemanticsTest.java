package io.normdrop.nn;

import io.normdrop.config.ImageShape;
import io.normdrop.config.JobConfig;
import io.normdrop.config.JobFiles;
import io.normdrop.testing.Dl4jDropout;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dropout and weight normalization are independent, shown on the operations themselves: DL4J's
 * dropout at retain probability 1 trains exactly as no dropout (for plain and weight-norm
 * layers); Normdrop's keep = 1 draws no mask at all; a weight-norm layer with g = ‖v‖ under
 * dropout draws the same mask and computes the same as DenseLayer with W = V; and keep &lt; 1
 * masks a layer's input in training only, with inverted scaling.
 */
class DropoutSemanticsTest {
    static final String JOB = """
            data {
              train { images = a, labels = b }
              test { images = c, labels = d }
            }
            model.layers = [
              { type = weightnorm-dense, units = 24, activation = tanh }
              { type = weightnorm-dense, units = 16 }
              { type = output, units = 4 }
            ]
            training.updater { type = adam, learningRate = 0.01 }
            output.dir = out
            """;

    static MultiLayerConfiguration configuration(String... overrides) {
        JobConfig c = JobFiles.parse(JOB, List.of(overrides)).config();
        return NetworkFactory.configuration(c.model(), c.training(), 12);
    }

    static MultiLayerNetwork network(MultiLayerConfiguration conf) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    static MultiLayerNetwork network(String... overrides) {
        return network(configuration(overrides));
    }

    static List<DataSet> batches() {
        Random random = new Random(3);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < 8; b++) {
            float[][] x = new float[16][12];
            float[][] y = new float[16][4];
            for (int i = 0; i < 16; i++) {
                for (int j = 0; j < 12; j++) {
                    x[i][j] = (float) random.nextGaussian();
                }
                y[i][random.nextInt(4)] = 1;
            }
            out.add(new DataSet(Nd4j.create(x), Nd4j.create(y)));
        }
        return out;
    }

    static float[] flat(INDArray a) {
        return a.dup('c').reshape(a.length()).toFloatVector();
    }

    static INDArray train(MultiLayerNetwork net) {
        for (int epoch = 0; epoch < 3; epoch++) {
            for (DataSet batch : batches()) {
                net.fit(batch);
            }
        }
        return net.params();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dense", "weightnorm-dense"})
    void dl4jDropoutAtRetainOneTrainsBitIdenticalToNoDropout(String type) {
        MultiLayerConfiguration none = configuration("model.layers[0].type=" + type, "model.layers[1].type=" + type);
        MultiLayerConfiguration retainOne = Dl4jDropout.on(none, 1.0, 0, 1, 2);
        for (int layer = 0; layer < 3; layer++) {
            assertTrue(Double.isNaN(Dl4jDropout.keep(none, layer)), "no dropout on layer " + layer);
            assertEquals(1.0, Dl4jDropout.keep(retainOne, layer), "DL4J's Dropout(1.0) on layer " + layer);
        }
        MultiLayerNetwork a = network(none);
        MultiLayerNetwork b = network(retainOne);
        assertEquals(a.params(), b.params(), "same seed, same start");
        assertArrayEquals(flat(train(a)), flat(train(b)), 0f, "parameters after 24 steps must be bit-identical");

        MultiLayerNetwork dropping = network(Dl4jDropout.on(none, 0.9, 0, 1, 2));
        assertFalse(java.util.Arrays.equals(flat(train(network(none))), flat(train(dropping))),
                "retain 0.9 changes training: the comparison can fail");
    }

    /** The same on convolutions: rows of 12 features as 1 × 3 × 4 images, two convolutions around a pooling. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"conv2d", "weightnorm-conv2d"})
    void dl4jDropoutAtRetainOneTrainsBitIdenticalToNoDropoutOnConvolutions(String type) {
        JobConfig c = JobFiles.parse(JOB, List.of("model.layers=[{ type = " + type + ", channels = 3, kernel = [2, 2], "
                + "mode = same }, { type = subsampling, kernel = [1, 2] }, { type = " + type + ", channels = 4, "
                + "kernel = [2, 2], mode = same }, { type = dense, units = 16 }, { type = output, units = 4 }]")).config();
        MultiLayerConfiguration none = NetworkFactory.configuration(c.model(), c.training(), new ImageShape(1, 3, 4));
        MultiLayerConfiguration retainOne = Dl4jDropout.on(none, 1.0, 0, 1, 2, 3, 4);
        MultiLayerNetwork a = network(none);
        MultiLayerNetwork b = network(retainOne);
        assertEquals(a.params(), b.params(), "same seed, same start");
        assertArrayEquals(flat(train(a)), flat(train(b)), 0f, "parameters after 24 steps must be bit-identical");
        assertFalse(java.util.Arrays.equals(flat(train(network(none))), flat(train(network(Dl4jDropout.on(none, 0.9, 2))))),
                "retain 0.9 on the second convolution changes training: the comparison can fail");
    }

    /** The next value of ND4J's random stream after seeding it with 7 and running {@code work}. */
    static double nextRandomAfter(Runnable work) {
        Nd4j.getRandom().setSeed(7);
        work.run();
        return Nd4j.getRandom().nextDouble();
    }

    @Test
    void keepOneDrawsNoMaskWhileDl4jDropoutAtRetainOneDoes() {
        double untouched = nextRandomAfter(() -> {
        });
        MultiLayerConfiguration elided = configuration("model.layers[1].dropout={ keep = 1 }",
                "model.layers[2].dropout={ rate = 0 }");
        for (int layer = 0; layer < 3; layer++) {
            assertNull(elided.getConf(layer).getLayer().getIDropout(), "keep 1 builds no dropout on layer " + layer);
        }
        MultiLayerNetwork keepOne = network(elided);
        DataSet batch = batches().get(0);
        assertEquals(untouched, nextRandomAfter(() -> keepOne.fit(batch)), 0.0, "a training step with keep 1 draws nothing");

        MultiLayerNetwork drawing = network(Dl4jDropout.on(elided, 1.0, 1, 2));
        assertNotEquals(untouched, nextRandomAfter(() -> drawing.fit(batch)),
                "DL4J's Dropout(1.0) draws masks from the same stream: the probe sees a draw");
    }

    /**
     * A hidden layer (weight-norm or dense) with {@code keep} dropout on its input, under a plain
     * output layer, in double precision.
     */
    static MultiLayerNetwork hiddenUnderDropout(org.deeplearning4j.nn.conf.layers.FeedForwardLayer.Builder<?> hidden,
                                                double keep) {
        return network(new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE).updater(new Sgd(0.1)).list()
                .layer(hidden.nIn(12).nOut(8).activation(Activation.TANH).dropOut(keep).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(8).nOut(4).activation(Activation.SOFTMAX).build())
                .build());
    }

    /** The hidden layer's output in training and its input gradient, with ND4J's random stream seeded first. */
    static INDArray[] forwardAndBack(Layer layer, INDArray x, INDArray epsilon, long seed) {
        Nd4j.getRandom().setSeed(seed);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        INDArray out = layer.activate(x.dup(), true, mgr).dup();
        INDArray dropped = layer.input().dup();
        Pair<Gradient, INDArray> back = layer.backpropGradient(epsilon.dup(), mgr);
        return new INDArray[]{out, dropped, back.getSecond().dup()};
    }

    @Test
    void weightNormWithGainEqualToTheNormDrawsTheSameMaskAndComputesAsDenseUnderDropout() {
        MultiLayerNetwork wn = hiddenUnderDropout(new WeightNormDense.Builder(), 0.8);
        MultiLayerNetwork dense = hiddenUnderDropout(new DenseLayer.Builder(), 0.8);
        wn.initGradientsView();
        dense.initGradientsView();
        Layer wnLayer = wn.getLayer(0);
        Layer denseLayer = dense.getLayer(0);
        INDArray v = wnLayer.getParam(WeightNormParamInitializer.DIRECTION_KEY);
        wnLayer.getParam(WeightNormParamInitializer.GAIN_KEY).assign(v.norm2(0).reshape(1, 8));
        denseLayer.getParam("W").assign(v);
        denseLayer.getParam("b").assign(wnLayer.getParam(WeightNormParamInitializer.BIAS_KEY));

        Random random = new Random(11);
        double[][] xs = new double[32][12];
        double[][] es = new double[32][8];
        for (int i = 0; i < 32; i++) {
            for (int j = 0; j < 12; j++) {
                xs[i][j] = random.nextGaussian();
            }
            for (int j = 0; j < 8; j++) {
                es[i][j] = random.nextGaussian();
            }
        }
        INDArray x = Nd4j.create(xs);
        INDArray epsilon = Nd4j.create(es);
        INDArray[] w = forwardAndBack(wnLayer, x, epsilon, 99);
        INDArray[] d = forwardAndBack(denseLayer, x, epsilon, 99);

        assertEquals(d[1], w[1], "the same dropped input: the same mask");
        long zeros = java.util.Arrays.stream(w[1].data().asDouble()).filter(value -> value == 0).count();
        assertTrue(zeros > 0.1 * x.length() && zeros < 0.3 * x.length(), "about a fifth dropped: " + zeros);
        assertTrue(w[0].equalsWithEps(d[0], 1e-12), "the same activations");
        assertTrue(w[2].equalsWithEps(d[2], 1e-12), "the same input gradients");

        INDArray[] otherMask = forwardAndBack(denseLayer, x, epsilon, 100);
        assertFalse(otherMask[1].equals(w[1]), "another seed draws another mask: the comparison can fail");
    }

    @ParameterizedTest(name = "keep {0}")
    @ValueSource(doubles = {0.8, 0.5})
    void masksTheInputInTrainingOnlyWithInvertedScaling(double keep) {
        int n = 64;
        // A weight-norm layer made the identity map (V = I, g = 1, b = 0): its output is its dropped input.
        Layer layer = network("model.layers[0].units=" + n, "model.layers[1].units=" + n,
                "model.layers[1].activation=identity", "model.layers[1].dropout={ keep = " + keep + " }").getLayer(1);
        layer.getParam(WeightNormParamInitializer.DIRECTION_KEY).assign(Nd4j.eye(n));
        layer.getParam(WeightNormParamInitializer.GAIN_KEY).assign(1);
        layer.getParam(WeightNormParamInitializer.BIAS_KEY).assign(0);
        INDArray ones = Nd4j.ones(DataType.FLOAT, 2000, n);

        INDArray trained = layer.activate(ones.dup(), true, LayerWorkspaceMgr.noWorkspaces());
        long zeros = 0;
        for (float value : flat(trained)) {
            if (value == 0f) {
                zeros++;
            } else {
                assertEquals(1 / keep, value, 1e-5, "kept activations are scaled by 1/keep");
            }
        }
        double dropped = zeros / (double) trained.length();
        assertEquals(1 - keep, dropped, 0.01, "fraction dropped");

        INDArray inference = layer.activate(ones.dup(), false, LayerWorkspaceMgr.noWorkspaces());
        assertTrue(inference.equalsWithEps(ones, 1e-6), "no dropout at inference");
    }
}
