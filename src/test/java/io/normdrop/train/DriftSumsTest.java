package io.normdrop.train;

import io.normdrop.metrics.AveragingStats;
import io.normdrop.testing.Networks;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The workers' mean and drift as both masters compute them: the mean is the old summation bit for
 * bit, the drift is ‖θᵢ − θ̄‖ / ‖θ̄‖ per tensor as computed directly, and slices measured
 * separately (as allreduce tasks do) add up to the whole.
 */
class DriftSumsTest {
    static MultiLayerNetwork network() {
        return Networks.of("""
                [
                  { type = weightnorm-dense, units = 7 }
                  { type = dense, units = 5 }
                  { type = weightnorm-output, units = 3 }
                ]
                """, 6);
    }

    @Test
    void theLayoutFindsEveryTensorWhereDl4jKeepsIt() {
        MultiLayerNetwork net = network();
        ParamLayout layout = ParamLayout.of(net);
        Map<String, INDArray> table = net.paramTable();
        assertEquals(table.size(), layout.tensors());
        assertEquals(net.numParams(), layout.parameters());
        for (int t = 0; t < layout.tensors(); t++) {
            String key = layout.layer(t) + "_" + layout.param(t);
            net.params().assign(0);
            table.get(key).assign(1);
            float[] flat = net.params().toFloatVector();
            for (int i = 0; i < flat.length; i++) {
                boolean inside = i >= layout.from(t) && i < layout.to(t);
                assertEquals(inside ? 1f : 0f, flat[i], key + " at " + i);
                assertEquals(inside ? t : layout.tensorAt(i), layout.tensorAt(i));
            }
        }
        assertEquals(-1, layout.tensorAt(layout.parameters()), "past the parameters: the updater state");
        assertEquals(List.of("0_g", "0_V", "0_b", "1_W", "1_b", "2_g", "2_V", "2_b"),
                java.util.stream.IntStream.range(0, layout.tensors()).mapToObj(t -> layout.layer(t) + "_" + layout.param(t))
                        .sorted(java.util.Comparator.comparing((String k) -> k.charAt(0)).thenComparing(k -> "gVWb".indexOf(k.charAt(2))))
                        .toList());
    }

    @Test
    void theMeanIsTheSumInWorkerOrderAndTheDriftIsTheDistanceFromIt() {
        ParamLayout layout = ParamLayout.of(network());
        int p = layout.parameters();
        int length = p + 11; // parameters, then updater state, which is averaged but not measured
        Random random = new Random(3);
        int n = 3;
        float[][] workers = new float[n][length];
        for (float[] w : workers) {
            for (int i = 0; i < length; i++) {
                w[i] = (float) random.nextGaussian();
            }
        }
        float[] expected = new float[length];
        for (int i = 0; i < length; i++) {
            expected[i] = ((workers[0][i] + workers[1][i]) + workers[2][i]) * (1 / 3f);
        }
        float[] mean = new float[length];
        DriftSums whole = new DriftSums(n, layout);
        VectorMean.of(workers, 0, length, mean, whole);
        assertArrayEquals(expected, mean);

        // Slices cut across tensors, each measured on its own as an allreduce task measures its slice.
        DriftSums sliced = new DriftSums(n, layout);
        float[] slicedMean = new float[length];
        int[] cuts = {0, 5, p / 2, p - 3, length};
        for (int c = 0; c + 1 < cuts.length; c++) {
            int a = cuts[c];
            int b = cuts[c + 1];
            float[][] parts = new float[n][];
            for (int j = 0; j < n; j++) {
                parts[j] = java.util.Arrays.copyOfRange(workers[j], a, b);
            }
            DriftSums slice = new DriftSums(n, layout);
            VectorMean.of(parts, a, b, slicedMean, slice);
            sliced.add(slice);
        }
        assertArrayEquals(expected, slicedMean);
        assertArrayEquals(whole.deviation, sliced.deviation, 1e-9);
        assertArrayEquals(whole.meanSquare, sliced.meanSquare, 1e-9);

        AveragingStats stats = whole.stats(new double[]{0.5, 0.7, 0.6}, new long[]{10, 40, 10},
                new String[]{"1@a", "2@b", "3@c"});
        double[] all = new double[n];
        for (int t = 0; t < layout.tensors(); t++) {
            double[] d = new double[n];
            double square = 0;
            for (int i = layout.from(t); i < layout.to(t); i++) {
                square += (double) expected[i] * expected[i];
            }
            for (int j = 0; j < n; j++) {
                double dev = 0;
                for (int i = layout.from(t); i < layout.to(t); i++) {
                    dev += Math.pow(workers[j][i] - expected[i], 2);
                }
                d[j] = Math.sqrt(dev / square);
            }
            AveragingStats.TensorDrift got = stats.tensors().get(t);
            // Float differences and squares, summed in double: within 1e-6 of the double computation.
            assertEquals((d[0] + d[1] + d[2]) / 3, got.mean(), 1e-6 * got.mean(), got.toString());
            assertEquals(Math.max(d[0], Math.max(d[1], d[2])), got.max(), 1e-6 * got.max(), got.toString());
        }
        double allSquare = 0;
        for (int i = 0; i < p; i++) {
            allSquare += (double) expected[i] * expected[i];
            for (int j = 0; j < n; j++) {
                all[j] += Math.pow(workers[j][i] - expected[i], 2);
            }
        }
        double max = 0;
        double sum = 0;
        for (int j = 0; j < n; j++) {
            double d = Math.sqrt(all[j] / allSquare);
            max = Math.max(max, d);
            sum += d;
        }
        assertEquals(sum / n, stats.driftMean(), 1e-6 * stats.driftMean());
        assertEquals(max, stats.driftMax(), 1e-6 * stats.driftMax());
        assertTrue(stats.driftMax() > stats.driftMean(), "three random workers are not equally far from their mean");
        assertEquals(0.5, stats.lossMin(), 0);
        assertEquals(0.7, stats.lossMax(), 0);
        assertEquals(1, stats.slowestWorker());
        assertEquals("2@b", stats.slowestExecutor());
        assertEquals(2.0, stats.stragglerRatio(), 1e-12, "40 ns against a mean of 20");
    }

    @Test
    void workersThatAgreeHaveNoDrift() {
        ParamLayout layout = ParamLayout.of(network());
        float[] same = new float[layout.parameters()];
        java.util.Arrays.fill(same, 0.25f);
        DriftSums drift = new DriftSums(2, layout);
        VectorMean.of(new float[][]{same, same.clone()}, 0, same.length, new float[same.length], drift);
        AveragingStats stats = drift.stats(new double[]{1, Double.NaN}, new long[]{5, 5}, new String[]{"a", "b"});
        assertEquals(0, stats.driftMax(), 0);
        assertEquals(1, stats.lossMin(), 0, "a worker without minibatches has no loss to compare");
        assertEquals(1, stats.stragglerRatio(), 0);
    }
}
