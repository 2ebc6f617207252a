package io.normdrop.nn;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

import java.io.File;
import java.nio.file.Path;
import java.util.List;

import static io.normdrop.nn.WeightNormParamInitializer.BIAS_KEY;
import static io.normdrop.nn.WeightNormParamInitializer.DIRECTION_KEY;
import static io.normdrop.nn.WeightNormParamInitializer.GAIN_KEY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The weight-normalized convolution: exact gradients, ConvolutionLayer equivalence, folding, data init, serialization. */
class WeightNormConvTest {
    static final int CHANNELS = 2;
    static final int SIDE = 7;
    static final int FILTERS = 3;
    static final int CLASSES = 3;
    static final int BATCH = 4;

    static INDArray images(DataType type) {
        return images(BATCH, type);
    }

    static INDArray images(int n, DataType type) {
        return images(n, CHANNELS, type);
    }

    static INDArray images(int n, int channels, DataType type) {
        java.util.Random random = new java.util.Random(7);
        double[] x = new double[n * channels * SIDE * SIDE];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextDouble() - 0.5;
        }
        return Nd4j.create(x, new long[] {n, channels, SIDE, SIDE}, DataType.DOUBLE).castTo(type);
    }

    static INDArray labels(DataType type) {
        INDArray y = Nd4j.zeros(type, BATCH, CLASSES);
        for (int i = 0; i < BATCH; i++) {
            y.putScalar(i, i % CLASSES, 1.0);
        }
        return y;
    }

    static MultiLayerNetwork network(org.deeplearning4j.nn.conf.layers.Layer conv, DataType type, IUpdater updater) {
        return network(conv, type, updater, CHANNELS);
    }

    static MultiLayerNetwork network(org.deeplearning4j.nn.conf.layers.Layer conv, DataType type, IUpdater updater, int channels) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(12345).dataType(type).updater(updater)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .list()
                .layer(conv)
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(CLASSES).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(SIDE, SIDE, channels))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    static WeightNormConv2D.Builder weightNorm(int stride, ConvolutionMode mode, boolean bias) {
        WeightNormConv2D.Builder b = new WeightNormConv2D.Builder(3, 3);
        b.stride(stride, stride).convolutionMode(mode).nOut(FILTERS).activation(Activation.TANH).hasBias(bias);
        return b;
    }

    /** Stride 1 with 2 and 6 input channels: both ways of the padded-grid convolution to ∂L/∂x; stride 2: DL4J's code. */
    @ParameterizedTest(name = "bias {0}, stride {1}, {2}, keep {3}, {4} channels")
    @CsvSource({"true, 1, Same, 1.0, 2", "false, 1, Truncate, 1.0, 2", "true, 2, Truncate, 1.0, 2", "false, 2, Same, 1.0, 2",
            "true, 1, Truncate, 0.6, 2", "false, 2, Same, 0.7, 2", "true, 1, Same, 1.0, 6", "false, 1, Truncate, 0.6, 6"})
    void gradientsMatchFiniteDifferences(boolean bias, int stride, ConvolutionMode mode, double keep, int channels) {
        WeightNormConv2D.Builder conv = weightNorm(stride, mode, bias);
        if (keep < 1) {
            conv.dropOut(keep);
        }
        DataType defaultType = Nd4j.dataType();
        DataType defaultFloatType = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            MultiLayerNetwork net = network(conv.build(), DataType.DOUBLE, new NoOp(), channels);
            // Gains away from the initial ‖v‖, different per channel, so the check exercises g ≠ ‖v‖.
            net.getLayer(0).getParam(GAIN_KEY).muli(Nd4j.createFromArray(1.7, 0.6, 1.2).reshape(1, FILTERS));
            if (bias) {
                net.getLayer(0).getParam(BIAS_KEY).assign(Nd4j.createFromArray(0.1, -0.2, 0.05).reshape(1, FILTERS));
            }
            boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
                    .input(images(BATCH, channels, DataType.DOUBLE)).labels(labels(DataType.DOUBLE))
                    .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
                    .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)
                    .callEachIter(n -> Nd4j.getRandom().setSeed(12345)));
            assertTrue(ok, "gradient check failed: bias " + bias + ", stride " + stride + ", " + mode + ", keep " + keep);
        } finally {
            Nd4j.setDefaultDataTypes(defaultType, defaultFloatType);
        }
    }

    /**
     * At g = ‖v‖ the layer is DL4J's ConvolutionLayer with W = V: outputs, the gradient to the
     * input, ∂L/∂b and ∂L/∂g (from ConvolutionLayer's own ∂L/∂W) within 1e-12 in double and 1e-5
     * in float. Stride 1 runs the padded-grid convolution, stride 2 DL4J's code on W.
     */
    @ParameterizedTest(name = "{0}x{1} kernel, stride {2}, {3}, padding {4}, dilation {5}, {6}, {7} channels")
    @CsvSource({"3, 3, 2, Same, 0, 1, DOUBLE, 2", "3, 3, 1, Same, 0, 1, DOUBLE, 2", "3, 3, 1, Same, 0, 1, FLOAT, 1",
            "3, 3, 1, Same, 0, 1, DOUBLE, 6", "3, 3, 1, Same, 0, 1, FLOAT, 6",
            "2, 2, 1, Same, 0, 1, DOUBLE, 2", "2, 4, 1, Same, 0, 1, FLOAT, 5", "3, 3, 1, Truncate, 0, 1, DOUBLE, 2",
            "3, 2, 1, Truncate, 1, 1, FLOAT, 2", "5, 5, 1, Strict, 2, 1, DOUBLE, 7", "3, 3, 1, Same, 0, 2, DOUBLE, 2",
            "2, 3, 1, Truncate, 1, 2, FLOAT, 6"})
    void withGainEqualToNormItIsConvolutionLayerWithWEqualToV(int kh, int kw, int stride, ConvolutionMode mode, int pad,
                                                              int dilation, DataType type, int channels) {
        double eps = type == DataType.DOUBLE ? 1e-12 : 1e-5;
        WeightNormConv2D.Builder wnConf = new WeightNormConv2D.Builder(kh, kw);
        wnConf.stride(stride, stride).padding(pad, pad).dilation(dilation, dilation).convolutionMode(mode).nOut(FILTERS)
                .activation(Activation.TANH);
        MultiLayerNetwork wn = network(wnConf.build(), type, new NoOp(), channels);
        ConvolutionLayer.Builder plain = new ConvolutionLayer.Builder(kh, kw);
        plain.stride(stride, stride).padding(pad, pad).dilation(dilation, dilation).convolutionMode(mode).nOut(FILTERS)
                .activation(Activation.TANH);
        MultiLayerNetwork conv = network(plain.build(), type, new NoOp(), channels);
        INDArray v = wn.getLayer(0).getParam(DIRECTION_KEY);
        // The initializer's g = ‖v‖ per output channel: check it, rather than set it.
        assertTrue(v.reshape('c', FILTERS, -1).norm2(1).reshape(1, FILTERS).equalsWithEps(wn.getLayer(0).getParam(GAIN_KEY), eps));
        wn.getLayer(0).getParam(BIAS_KEY).assign(Nd4j.createFromArray(0.1, -0.2, 0.05).reshape(1, FILTERS));
        conv.getLayer(0).setParam("W", v.dup());
        conv.getLayer(0).setParam("b", wn.getLayer(0).getParam(BIAS_KEY).dup());
        conv.getLayer(1).setParams(wn.getLayer(1).params().dup());

        INDArray x = images(BATCH, channels, type);
        INDArray y = labels(type);
        INDArray outWn = wn.output(x);
        INDArray outConv = conv.output(x);
        assertTrue(outWn.equalsWithEps(outConv, eps), outWn + " vs " + outConv);
        Pair<Gradient, INDArray> gWn = wn.calculateGradients(x, y, null, null);
        Pair<Gradient, INDArray> gConv = conv.calculateGradients(x, y, null, null);
        assertTrue(gWn.getSecond().equalsWithEps(gConv.getSecond(), eps), "input gradients differ: "
                + gWn.getSecond().sub(gConv.getSecond()).amaxNumber());
        assertTrue(gWn.getFirst().getGradientFor("0_b").equalsWithEps(gConv.getFirst().getGradientFor("0_b"), eps));
        // At g = ‖v‖, ∂L/∂g_c = ⟨∂L/∂w_c, v_c⟩/‖v_c‖ with ConvolutionLayer's own ∂L/∂W.
        INDArray dW = gConv.getFirst().getGradientFor("0_W").reshape('c', FILTERS, -1);
        INDArray expected = dW.mul(v.reshape('c', FILTERS, -1)).sum(1).div(v.reshape('c', FILTERS, -1).norm2(1));
        assertTrue(gWn.getFirst().getGradientFor("0_" + GAIN_KEY).reshape(FILTERS).equalsWithEps(expected, eps),
                gWn.getFirst().getGradientFor("0_" + GAIN_KEY) + " vs " + expected);
        // And ∂L/∂v = ∂L/∂W − (∂L/∂g/‖v‖)·v at g = ‖v‖ (s = 1): the direction's gradient too.
        INDArray norms = v.reshape('c', FILTERS, -1).norm2(true, 1);
        INDArray expectedV = dW.sub(v.reshape('c', FILTERS, -1).mulColumnVector(expected.reshape(FILTERS, 1).div(norms)));
        assertTrue(gWn.getFirst().getGradientFor("0_" + DIRECTION_KEY).reshape('c', FILTERS, -1).equalsWithEps(expectedV, eps),
                "direction gradients differ");
    }

    /** Two weight-normalized convolutions with max pooling between, dropout, a weight-normalized output layer. */
    static MultiLayerNetwork deeper() {
        WeightNormConv2D.Builder first = weightNorm(1, ConvolutionMode.Same, true);
        WeightNormConv2D.Builder second = weightNorm(1, ConvolutionMode.Truncate, false);
        second.nOut(4).dropOut(0.8);
        WeightNormOutput.Builder output = new WeightNormOutput.Builder(LossFunction.MCXENT);
        output.nOut(CLASSES).activation(Activation.SOFTMAX);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(12345).updater(new Adam(0.01)).list()
                .layer(first.build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(1, 1).build())
                .layer(second.build())
                .layer(output.build())
                .setInputType(InputType.convolutional(SIDE, SIDE, CHANNELS))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @Test
    void foldsIntoConvolutionLayersThatPredictTheSame(@TempDir Path dir) throws Exception {
        MultiLayerNetwork trained = deeper();
        for (int i = 0; i < 5; i++) {
            trained.fit(images(DataType.FLOAT), labels(DataType.FLOAT));
        }
        MultiLayerNetwork folded = WeightNormFolding.fold(trained);
        assertEquals(ConvolutionLayer.class, folded.getLayerWiseConfigurations().getConf(0).getLayer().getClass());
        assertEquals(ConvolutionLayer.class, folded.getLayerWiseConfigurations().getConf(2).getLayer().getClass());
        assertTrue(WeightNormFolding.hasWeightNorm(trained.getLayerWiseConfigurations()));
        assertFalse(WeightNormFolding.hasWeightNorm(folded.getLayerWiseConfigurations()));
        assertEquals(trained.numParams() - (FILTERS + 4 + CLASSES), folded.numParams(), "one gain per channel and unit folded away");

        File file = dir.resolve("folded.zip").toFile();
        ModelSerializer.writeModel(folded, file, false);
        MultiLayerNetwork reloaded = ModelSerializer.restoreMultiLayerNetwork(file);
        INDArray x = images(16, DataType.FLOAT);
        double diff = trained.output(x).sub(reloaded.output(x)).amaxNumber().doubleValue();
        assertTrue(diff < 1e-5, "max prediction difference " + diff);
    }

    @Test
    void dataDependentInitStandardizesEveryChannelsPreActivations() {
        MultiLayerNetwork net = deeper();
        INDArray sample = images(32, DataType.FLOAT);
        assertEquals(3, DataDependentInit.apply(net, sample));
        List<INDArray> activations = net.feedForward(sample, false);
        for (int i : new int[] {0, 2}) {
            INDArray z = ((WeightNormConv2DLayer) net.getLayer(i)).preActivations(activations.get(i));
            INDArray mean = z.mean(0, 2, 3);
            INDArray std = z.std(false, 0, 2, 3);
            // Without a bias (layer 2) the mean stays where it is; the scale is set either way.
            if (net.getLayer(i).paramTable().containsKey(BIAS_KEY)) {
                assertTrue(mean.amaxNumber().doubleValue() < 1e-4, "layer " + i + ": channel means " + mean);
            }
            assertTrue(std.sub(1).amaxNumber().doubleValue() < 1e-3, "layer " + i + ": channel stds " + std);
        }
    }

    /** Dropout masks the layer's input in training (DL4J's inverted dropout) and never in inference. */
    @Test
    void dropoutMasksTheInputInTrainingOnly() {
        WeightNormConv2D.Builder dropped = weightNorm(1, ConvolutionMode.Same, true);
        dropped.dropOut(0.5);
        MultiLayerNetwork withDropout = network(dropped.build(), DataType.DOUBLE, new NoOp());
        MultiLayerNetwork without = network(weightNorm(1, ConvolutionMode.Same, true).build(), DataType.DOUBLE, new NoOp());
        without.setParams(withDropout.params().dup());
        INDArray x = images(DataType.DOUBLE);
        assertEquals(without.output(x), withDropout.output(x), "inference: no dropout");
        INDArray trained = withDropout.feedForward(x, true).get(1);
        INDArray plain = without.feedForward(x, true).get(1);
        assertFalse(trained.equalsWithEps(plain, 1e-6), "training: the input is masked");
    }

    @Test
    void jsonModelFileAndCloneRoundTrips(@TempDir Path dir) throws Exception {
        WeightNormConv2D.Builder b = weightNorm(1, ConvolutionMode.Same, false);
        b.dropOut(0.8);
        MultiLayerNetwork net = network(b.build(), DataType.FLOAT, new Adam(0.01));
        net.fit(images(DataType.FLOAT), labels(DataType.FLOAT));
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson());
        assertEquals(net.getLayerWiseConfigurations().toJson(), back.toJson());
        assertEquals(WeightNormConv2D.class, back.getConf(0).getLayer().getClass());
        assertEquals(net.getLayerWiseConfigurations().getConf(0).getLayer(), back.getConf(0).getLayer());
        assertFalse(((WeightNormConv2D) back.getConf(0).getLayer()).hasBias());
        assertEquals(FILTERS * CHANNELS * 9 + FILTERS, net.getLayer(0).numParams(), "no bias: V and g only");

        File file = dir.resolve("wn-conv.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(net.params(), restored.params());
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        assertEquals(net.output(images(DataType.FLOAT)), restored.output(images(DataType.FLOAT)));
        assertEquals(net.output(images(DataType.FLOAT)), net.clone().output(images(DataType.FLOAT)));
    }
}
