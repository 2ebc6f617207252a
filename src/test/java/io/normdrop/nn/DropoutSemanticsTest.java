package io.normdrop.nn;

import io.normdrop.config.JobConfig;
import io.normdrop.config.JobFiles;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dropout and weight normalization are independent: keep = 1 is an exact no-op (also for the
 * weight-norm parameters), and keep &lt; 1 masks a layer's input in training only, with inverted
 * scaling.
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

    static MultiLayerNetwork network(String... overrides) {
        JobConfig c = JobFiles.parse(JOB, List.of(overrides)).config();
        MultiLayerConfiguration conf = NetworkFactory.configuration(c.model(), c.training(), 12);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
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
    void keepOneEndsBitIdenticalToNoDropout(String type) {
        MultiLayerNetwork none = network("model.layers[0].type=" + type, "model.layers[1].type=" + type);
        MultiLayerNetwork keepOne = network("model.layers[0].type=" + type, "model.layers[1].type=" + type,
                "model.layers[0].dropout={ keep = 1.0 }", "model.layers[1].dropout={ rate = 0 }",
                "model.layers[2].dropout={ keep = 1 }");
        assertEquals(none.params(), keepOne.params(), "same seed, same start");
        INDArray a = train(none);
        INDArray b = train(keepOne);
        assertArrayEquals(flat(a), flat(b), 0f, "parameters after 24 steps must be bit-identical");
    }

    @Test
    void weightNormParametersEvolveIdenticallyWithKeepOne() {
        MultiLayerNetwork none = network();
        MultiLayerNetwork keepOne = network("model.layers[1].dropout={ keep = 1 }");
        train(none);
        train(keepOne);
        for (String key : List.of(WeightNormParamInitializer.DIRECTION_KEY, WeightNormParamInitializer.GAIN_KEY,
                WeightNormParamInitializer.BIAS_KEY)) {
            for (int layer = 0; layer < 2; layer++) {
                assertArrayEquals(flat(none.getLayer(layer).getParam(key)), flat(keepOne.getLayer(layer).getParam(key)), 0f,
                        "layer " + layer + " " + key);
            }
        }
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
