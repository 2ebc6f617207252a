package io.normdrop.score;

import io.normdrop.data.Example;
import io.normdrop.testing.Networks;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One forward pass of the scoring network gives the output layer's raw scores (its
 * pre-activation, computed from the weight-normalized weights where the layer is weight-normalized)
 * and, bit for bit, the probabilities the trained network's own {@code output()} gives.
 */
class ScoringNetworkTest {
    private static final int FEATURES = 5;
    private static final int CLASSES = 3;

    @ParameterizedTest(name = "{0}layers")
    @ValueSource(strings = {"weightnorm-", ""})
    void theRawScoresAreThePreActivationAndTheProbabilitiesExactlyOutput(String prefix) {
        MultiLayerNetwork net = Networks.of("[ { type = " + prefix + "dense, units = 7 }, { type = " + prefix
                + "output, units = " + CLASSES + " } ]", FEATURES);
        boolean weightNorm = !prefix.isEmpty();
        if (weightNorm) {
            // g = ‖v‖ after init makes W = V: give every unit another gain, so that V alone is wrong.
            net.getLayer(1).getParam("g").muli(Nd4j.createFromArray(0.5f, 2.0f, 3.5f).reshape(1, CLASSES));
        }
        ScoringNetwork.Scorer scorer = new ScoringNetwork(net, null, Nd4j.getEnvironment().maxThreads()).scorer();
        for (int n : new int[]{1, 7, 1024}) {
            List<Example> examples = examples(n, n);
            INDArray x = Nd4j.create(features(examples), new long[]{n, FEATURES}, DataType.FLOAT);
            float[] output = net.output(x, false).dup('c').data().asFloat();

            ScoringNetwork.Scores scores = scorer.scores(examples);
            assertArrayEquals(output, scores.probabilities(), "scores(): bit for bit the trained network's output()");
            assertArrayEquals(output, scorer.probabilities(examples), "probabilities(): the same");

            float[] expectedRaw = preActivation(net, x, weightNorm);
            assertArrayEquals(expectedRaw, scores.raw(), 1e-5f, "h·W + b of the last hidden layer's activations h");
            double largestGap = 0;
            for (int i = 0; i < n; i++) {
                double[] softmax = softmax(scores.raw(), i * CLASSES);
                for (int k = 0; k < CLASSES; k++) {
                    assertEquals(softmax[k], scores.probabilities()[i * CLASSES + k], 1e-6, "softmax(raw) = probability");
                    largestGap = Math.max(largestGap, Math.abs(scores.raw()[i * CLASSES + k]
                            - scores.probabilities()[i * CLASSES + k]));
                }
            }
            assertTrue(largestGap > 0.1, "the raw scores are not the probabilities: largest gap " + largestGap);
        }
    }

    /** z = h·W + b with h the hidden layer's activations, W = g·v/‖v‖ per unit for a weight-norm layer. */
    private static float[] preActivation(MultiLayerNetwork net, INDArray x, boolean weightNorm) {
        INDArray h = net.feedForwardToLayer(0, x, false).get(1);
        INDArray w;
        if (weightNorm) {
            INDArray v = net.getLayer(1).getParam("V");
            w = v.mulRowVector(net.getLayer(1).getParam("g").div(v.norm2(0).reshape(1, CLASSES)));
        } else {
            w = net.getLayer(1).getParam("W");
        }
        return h.mmul(w).addRowVector(net.getLayer(1).getParam("b")).dup('c').data().asFloat();
    }

    private static double[] softmax(float[] raw, int offset) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < CLASSES; k++) {
            max = Math.max(max, raw[offset + k]);
        }
        double[] e = new double[CLASSES];
        double sum = 0;
        for (int k = 0; k < CLASSES; k++) {
            e[k] = Math.exp(raw[offset + k] - max);
            sum += e[k];
        }
        for (int k = 0; k < CLASSES; k++) {
            e[k] /= sum;
        }
        return e;
    }

    /** {@code n} rows of N(0, 2²) features, seeded. */
    private static List<Example> examples(int n, long seed) {
        Random random = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] v = new float[FEATURES];
            for (int j = 0; j < FEATURES; j++) {
                v[j] = (float) (2 * random.nextGaussian());
            }
            out.add(Example.dense(v, Example.NO_LABEL));
        }
        return out;
    }

    private static float[] features(List<Example> examples) {
        float[] x = new float[examples.size() * FEATURES];
        for (int i = 0; i < examples.size(); i++) {
            examples.get(i).copyTo(x, i * FEATURES, FEATURES);
        }
        return x;
    }
}
