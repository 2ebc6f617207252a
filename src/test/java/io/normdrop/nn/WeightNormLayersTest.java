package io.normdrop.nn;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
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
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

import java.io.File;
import java.nio.file.Path;

import static io.normdrop.nn.WeightNormParamInitializer.BIAS_KEY;
import static io.normdrop.nn.WeightNormParamInitializer.DIRECTION_KEY;
import static io.normdrop.nn.WeightNormParamInitializer.GAIN_KEY;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The weight-normalized layers: exact gradients, DenseLayer equivalence, serialization, training modes. */
class WeightNormLayersTest {
    static final int N_IN = 4;
    static final int HIDDEN = 5;
    static final int CLASSES = 3;
    static final int BATCH = 6;

    static INDArray features(DataType type) {
        java.util.Random random = new java.util.Random(7);
        double[][] x = new double[BATCH][N_IN];
        for (double[] row : x) {
            for (int j = 0; j < N_IN; j++) {
                row[j] = random.nextDouble() - 0.5;
            }
        }
        return Nd4j.create(x).castTo(type);
    }

    static INDArray labels(DataType type) {
        INDArray y = Nd4j.zeros(type, BATCH, CLASSES);
        for (int i = 0; i < BATCH; i++) {
            y.putScalar(i, i % CLASSES, 1.0);
        }
        return y;
    }

    static MultiLayerNetwork network(org.deeplearning4j.nn.conf.layers.Layer hidden,
                                     org.deeplearning4j.nn.conf.layers.Layer output, DataType type,
                                     org.nd4j.linalg.learning.config.IUpdater updater, WorkspaceMode mode) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(12345).dataType(type).updater(updater)
                .trainingWorkspaceMode(mode).inferenceWorkspaceMode(mode)
                .list().layer(hidden).layer(output).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @ParameterizedTest(name = "{0}, bias {1}, keep {2}")
    @CsvSource({"TANH, true, 1.0", "SIGMOID, false, 1.0", "IDENTITY, true, 1.0", "SOFTPLUS, true, 0.6",
            "TANH, false, 0.5", "ELU, true, 1.0"})
    void gradientsMatchFiniteDifferences(Activation activation, boolean bias, double keep) {
        WeightNormDense.Builder hidden = new WeightNormDense.Builder().nIn(N_IN).nOut(HIDDEN).activation(activation)
                .hasBias(bias);
        WeightNormOutput.Builder output = new WeightNormOutput.Builder(LossFunction.MCXENT).nIn(HIDDEN).nOut(CLASSES)
                .activation(Activation.SOFTMAX);
        output.hasBias(bias);
        if (keep < 1) {
            hidden.dropOut(keep);
            output.dropOut(keep);
        }
        // GradientCheckUtil insists on double as ND4J's default type; restore it afterwards.
        DataType defaultType = Nd4j.dataType();
        DataType defaultFloatType = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            MultiLayerNetwork net = network(hidden.build(), output.build(), DataType.DOUBLE, new NoOp(), WorkspaceMode.NONE);
            // Gains away from the initial ‖v‖, so the check exercises g ≠ ‖v‖ too.
            net.getLayer(0).getParam(GAIN_KEY).muli(1.7);
            net.getLayer(1).getParam(GAIN_KEY).muli(0.6);
            boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
                    .input(features(DataType.DOUBLE)).labels(labels(DataType.DOUBLE))
                    .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
                    .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)
                    // the same dropout mask on every forward pass of the check
                    .callEachIter(n -> Nd4j.getRandom().setSeed(12345)));
            assertTrue(ok, "gradient check failed for " + activation + ", bias " + bias + ", keep " + keep);
        } finally {
            Nd4j.setDefaultDataTypes(defaultType, defaultFloatType);
        }
    }

    @Test
    void withGainEqualToNormItIsDenseLayerWithWEqualToV() {
        MultiLayerNetwork wn = network(
                new WeightNormDense.Builder().nIn(N_IN).nOut(HIDDEN).activation(Activation.TANH).build(),
                new WeightNormOutput.Builder(LossFunction.MCXENT).nIn(HIDDEN).nOut(CLASSES).activation(Activation.SOFTMAX).build(),
                DataType.DOUBLE, new NoOp(), WorkspaceMode.ENABLED);
        MultiLayerNetwork dense = network(
                new DenseLayer.Builder().nIn(N_IN).nOut(HIDDEN).activation(Activation.TANH).build(),
                new OutputLayer.Builder(LossFunction.MCXENT).nIn(HIDDEN).nOut(CLASSES).activation(Activation.SOFTMAX).build(),
                DataType.DOUBLE, new NoOp(), WorkspaceMode.ENABLED);
        for (int i = 0; i < 2; i++) {
            Layer w = wn.getLayer(i);
            w.getParam(BIAS_KEY).assign(Nd4j.linspace(-0.3, 0.3, w.getParam(BIAS_KEY).length(), DataType.DOUBLE).reshape(1, -1));
            // The initializer's g = ‖v‖ column-wise: check it, rather than set it.
            assertEquals(w.getParam(DIRECTION_KEY).norm2(0).reshape(1, -1), w.getParam(GAIN_KEY));
            dense.getLayer(i).setParam("W", w.getParam(DIRECTION_KEY).dup());
            dense.getLayer(i).setParam("b", w.getParam(BIAS_KEY).dup());
        }
        INDArray x = features(DataType.DOUBLE);
        INDArray y = labels(DataType.DOUBLE);
        INDArray outWn = wn.output(x);
        INDArray outDense = dense.output(x);
        assertTrue(outWn.equalsWithEps(outDense, 1e-12), outWn + " vs " + outDense);

        Pair<Gradient, INDArray> gWn = wn.calculateGradients(x, y, null, null);
        Pair<Gradient, INDArray> gDense = dense.calculateGradients(x, y, null, null);
        assertTrue(gWn.getSecond().equalsWithEps(gDense.getSecond(), 1e-12), "input gradients differ");
        assertTrue(gWn.getFirst().getGradientFor("1_b").equalsWithEps(gDense.getFirst().getGradientFor("1_b"), 1e-12));
    }

    @Test
    void zeroDirectionColumnGivesZeroWeightsAndFiniteGradients() {
        MultiLayerNetwork net = network(
                new WeightNormDense.Builder().nIn(N_IN).nOut(HIDDEN).activation(Activation.TANH).build(),
                new WeightNormOutput.Builder(LossFunction.MCXENT).nIn(HIDDEN).nOut(CLASSES).activation(Activation.SOFTMAX).build(),
                DataType.DOUBLE, new Sgd(0.1), WorkspaceMode.ENABLED);
        net.getLayer(0).getParam(DIRECTION_KEY).getColumn(2).assign(0);
        INDArray effective = WeightNorm.weights(net.getLayer(0).getParam(DIRECTION_KEY), net.getLayer(0).getParam(GAIN_KEY));
        assertEquals(0.0, effective.getColumn(2).sumNumber().doubleValue(), 0.0);
        Pair<Gradient, INDArray> g = net.calculateGradients(features(DataType.DOUBLE), labels(DataType.DOUBLE), null, null);
        assertFalse(g.getFirst().gradient().isNaN().any() || g.getFirst().gradient().isInfinite().any());
        net.fit(features(DataType.DOUBLE), labels(DataType.DOUBLE));
        assertFalse(net.params().isNaN().any());
    }

    @Test
    void l2DecaysTheDirectionOnly() {
        for (int i = 0; i < 2; i++) {
            org.deeplearning4j.nn.conf.layers.BaseLayer conf =
                    (org.deeplearning4j.nn.conf.layers.BaseLayer) l2Network(0.1).getLayer(i).conf().getLayer();
            assertFalse(conf.getRegularizationByParam(DIRECTION_KEY).isEmpty(), "L2 on V");
            assertNoRegularization(conf.getRegularizationByParam(GAIN_KEY), "g");
            assertNoRegularization(conf.getRegularizationByParam(BIAS_KEY), "b");
        }
        // One SGD step from the same parameters on the same data, with and without L2: the
        // difference is the decay, -lr * l2 * V on the directions, and nothing on gains and biases.
        double lr = 0.1;
        double l2 = 0.1;
        MultiLayerNetwork plain = l2Network(0);
        MultiLayerNetwork decayed = l2Network(l2);
        assertEquals(plain.params(), decayed.params(), "same start");
        plain.fit(features(DataType.DOUBLE), labels(DataType.DOUBLE));
        decayed.fit(features(DataType.DOUBLE), labels(DataType.DOUBLE));
        MultiLayerNetwork start = l2Network(0);
        for (int i = 0; i < 2; i++) {
            INDArray expected = start.getLayer(i).getParam(DIRECTION_KEY).mul(-lr * l2);
            INDArray decay = decayed.getLayer(i).getParam(DIRECTION_KEY).sub(plain.getLayer(i).getParam(DIRECTION_KEY));
            assertTrue(expected.amaxNumber().doubleValue() > 1e-4, "a decay to see");
            assertTrue(decay.equalsWithEps(expected, 1e-12), "layer " + i + ": V decayed by lr * l2 * V: " + decay);
            assertEquals(plain.getLayer(i).getParam(GAIN_KEY), decayed.getLayer(i).getParam(GAIN_KEY), "layer " + i + " g");
            assertEquals(plain.getLayer(i).getParam(BIAS_KEY), decayed.getLayer(i).getParam(BIAS_KEY), "layer " + i + " b");
        }
    }

    private static MultiLayerNetwork l2Network(double l2) {
        return network(new WeightNormDense.Builder().nIn(N_IN).nOut(HIDDEN).activation(Activation.TANH).l2(l2).build(),
                new WeightNormOutput.Builder(LossFunction.MCXENT).nIn(HIDDEN).nOut(CLASSES).activation(Activation.SOFTMAX)
                        .l2(l2).build(), DataType.DOUBLE, new Sgd(0.1), WorkspaceMode.ENABLED);
    }

    static void assertNoRegularization(java.util.List<?> regularization, String param) {
        assertTrue(regularization == null || regularization.isEmpty(), "no L2 on " + param);
    }

    @Test
    void jsonAndModelSerializerRoundTrips(@TempDir Path dir) throws Exception {
        MultiLayerNetwork net = network(
                new WeightNormDense.Builder().nIn(N_IN).nOut(HIDDEN).activation(Activation.RELU).dropOut(0.7).hasBias(false).build(),
                new WeightNormOutput.Builder(LossFunction.MCXENT).nIn(HIDDEN).nOut(CLASSES).activation(Activation.SOFTMAX).build(),
                DataType.FLOAT, new Adam(0.01), WorkspaceMode.ENABLED);
        net.fit(features(DataType.FLOAT), labels(DataType.FLOAT));
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson());
        assertEquals(net.getLayerWiseConfigurations().toJson(), back.toJson());
        assertEquals(WeightNormDense.class, back.getConf(0).getLayer().getClass());
        assertEquals(0.7, ((org.deeplearning4j.nn.conf.dropout.Dropout) back.getConf(0).getLayer().getIDropout()).getP(), 0.0);
        assertFalse(((WeightNormDense) back.getConf(0).getLayer()).hasBias());
        assertEquals(HIDDEN * N_IN + HIDDEN, net.getLayer(0).numParams(), "no bias: V and g only");

        File file = dir.resolve("wn.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(net.params(), restored.params());
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        assertEquals(net.output(features(DataType.FLOAT)), restored.output(features(DataType.FLOAT)));
        MultiLayerNetwork cloned = net.clone();
        assertEquals(net.output(features(DataType.FLOAT)), cloned.output(features(DataType.FLOAT)));
    }

    @Test
    void workspacesOnAndOffTrainIdentically() {
        INDArray[] params = new INDArray[2];
        WorkspaceMode[] modes = {WorkspaceMode.ENABLED, WorkspaceMode.NONE};
        for (int m = 0; m < 2; m++) {
            MultiLayerNetwork net = network(
                    new WeightNormDense.Builder().nIn(N_IN).nOut(HIDDEN).activation(Activation.TANH).build(),
                    new WeightNormOutput.Builder(LossFunction.MCXENT).nIn(HIDDEN).nOut(CLASSES).activation(Activation.SOFTMAX).build(),
                    DataType.FLOAT, new Adam(0.05), modes[m]);
            for (int step = 0; step < 10; step++) {
                net.fit(features(DataType.FLOAT), labels(DataType.FLOAT));
            }
            params[m] = net.params();
        }
        assertArrayEquals(params[0].toFloatVector(), params[1].toFloatVector());
    }

    /**
     * The dense layer's backward pass reuses what its training forward pass kept (x·V, the
     * pre-activations, the column norms); it must give what a backward pass computing them afresh
     * gives, and must not reuse them for another input. (tanh: an activation applied in place on
     * kept pre-activations would change its derivative; relu's would not show it.)
     */
    @Test
    void theKeptForwardPassGivesTheGradientsOfAFreshOne() {
        MultiLayerNetwork net = network(
                new WeightNormDense.Builder().nIn(N_IN).nOut(HIDDEN).activation(Activation.TANH).build(),
                new WeightNormOutput.Builder(LossFunction.MCXENT).nIn(HIDDEN).nOut(CLASSES).activation(Activation.SOFTMAX).build(),
                DataType.FLOAT, new Adam(0.05), WorkspaceMode.NONE);
        net.initGradientsView();
        Layer dense = net.getLayer(0);
        org.deeplearning4j.nn.workspace.LayerWorkspaceMgr mgr = org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces();
        INDArray x = features(DataType.FLOAT);
        INDArray other = x.mul(-0.5f).addi(0.25f);
        INDArray epsilon = Nd4j.rand(DataType.FLOAT, x.size(0), HIDDEN).subi(0.5);

        dense.setInput(x, mgr);
        dense.activate(true, mgr);
        INDArray[] kept = backward(dense, epsilon, mgr);
        dense.setInput(x.dup(), mgr);
        INDArray[] fresh = backward(dense, epsilon, mgr);
        for (int i = 0; i < kept.length; i++) {
            assertArrayEquals(fresh[i].ravel().toFloatVector(), kept[i].ravel().toFloatVector(), 1e-6f, "array " + i);
        }
        // A forward pass on x, then a backward pass on another input: computed for that input.
        dense.setInput(x, mgr);
        dense.activate(true, mgr);
        dense.setInput(other, mgr);
        INDArray[] switched = backward(dense, epsilon, mgr);
        dense.setInput(other.dup(), mgr);
        INDArray[] expected = backward(dense, epsilon, mgr);
        for (int i = 0; i < kept.length; i++) {
            assertArrayEquals(expected[i].ravel().toFloatVector(), switched[i].ravel().toFloatVector(), 1e-6f, "array " + i);
        }
        assertFalse(java.util.Arrays.equals(expected[0].ravel().toFloatVector(), kept[0].ravel().toFloatVector()), "the inputs differ");
    }

    /** ∂L/∂V, ∂L/∂g, ∂L/∂b and ∂L/∂input of one backward pass, copied out of the gradient views. */
    private static INDArray[] backward(Layer layer, INDArray epsilon, org.deeplearning4j.nn.workspace.LayerWorkspaceMgr mgr) {
        Pair<Gradient, INDArray> p = layer.backpropGradient(epsilon, mgr);
        return new INDArray[]{p.getFirst().getGradientFor(DIRECTION_KEY).dup(), p.getFirst().getGradientFor(GAIN_KEY).dup(),
                p.getFirst().getGradientFor(BIAS_KEY).dup(), p.getSecond().dup()};
    }

    @Test
    void trainingReducesTheLossWithSgdAndAdam() {
        for (org.nd4j.linalg.learning.config.IUpdater updater : new org.nd4j.linalg.learning.config.IUpdater[]{
                new Sgd(0.5), new Adam(0.05)}) {
            MultiLayerNetwork net = network(
                    new WeightNormDense.Builder().nIn(N_IN).nOut(HIDDEN).activation(Activation.TANH).build(),
                    new WeightNormOutput.Builder(LossFunction.MCXENT).nIn(HIDDEN).nOut(CLASSES).activation(Activation.SOFTMAX).build(),
                    DataType.FLOAT, updater, WorkspaceMode.ENABLED);
            org.nd4j.linalg.dataset.DataSet data = new org.nd4j.linalg.dataset.DataSet(features(DataType.FLOAT), labels(DataType.FLOAT));
            double before = net.score(data);
            for (int step = 0; step < 50; step++) {
                net.fit(data);
            }
            assertTrue(net.score(data) < before * 0.7, updater + ": " + before + " -> " + net.score(data));
        }
    }
}
