package io.normdrop.train;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * What measuring drift adds to an average, for {@code deploy/bench.sh averaging}: one allreduce
 * task's share of the mean of two workers' vectors (parameters and Adam's two moments, cut in two
 * slices; the first slice holds every parameter, so it carries all the drift work), timed with and
 * without the drift sums, interleaved.
 */
public final class DriftCost {
    private DriftCost() {
    }

    /**
     * Milliseconds per mean of the first slice, per repetition: {@code [0]} without drift,
     * {@code [1]} with it.
     */
    public static List<double[]> firstSliceMillis(MultiLayerNetwork network, int repetitions) {
        ParamLayout layout = ParamLayout.of(network);
        int length = (int) (network.params().length() + network.getUpdater().getStateViewArray().length());
        int slice = length / 2;
        Random random = new Random(1);
        float[][] parts = new float[2][slice];
        for (float[] p : parts) {
            for (int i = 0; i < slice; i++) {
                p[i] = (float) random.nextGaussian();
            }
        }
        float[] out = new float[length];
        List<double[]> millis = new ArrayList<>();
        for (int r = 0; r < repetitions; r++) {
            double[] t = new double[2];
            for (int v = 0; v < 2; v++) {
                int variant = (r + v) % 2;
                long start = System.nanoTime();
                VectorMean.of(parts, 0, slice, out,
                        variant == 1 ? new DriftSums(2, layout) : DriftSums.NONE);
                t[variant] = (System.nanoTime() - start) / 1e6;
            }
            millis.add(t);
        }
        return millis;
    }
}
