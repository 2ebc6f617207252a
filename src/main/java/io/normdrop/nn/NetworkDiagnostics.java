package io.normdrop.nn;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * What a trained network looks like inside: per layer its parameter count and effective input
 * dropout, and for weight-norm layers the distribution of the gains g and of the direction norms
 * ‖v‖ over their units or, for convolutions, their output channels; and a digest of all parameters, equal for two networks exactly when their parameters are
 * bit-identical.
 *
 * @param layers          one entry per layer
 * @param parameters      total parameter count
 * @param parameterDigest SHA-256 of the flattened parameters as 32-bit floats (big-endian)
 */
public record NetworkDiagnostics(List<Layer> layers, long parameters, String parameterDigest) {
    /** Bins of the histograms. */
    public static final int BINS = 20;

    /**
     * @param index      layer index
     * @param type       DL4J layer configuration class
     * @param parameters parameter count
     * @param keep       effective retain probability of the layer's input in training (1 = no dropout)
     * @param gain       distribution of g over the layer's units (output channels); null unless weight-norm
     * @param directionNorm distribution of ‖v_j‖ over the layer's units (output channels); null unless weight-norm
     */
    public record Layer(int index, String type, long parameters, double keep, Distribution gain,
                       Distribution directionNorm) {
    }

    /**
     * Summary and histogram of a set of values.
     *
     * @param count  values
     * @param min    smallest
     * @param max    largest
     * @param mean   mean
     * @param std    standard deviation (population)
     * @param p05    5th percentile
     * @param median median
     * @param p95    95th percentile
     * @param edges  histogram bin edges, {@code counts.length + 1} values from min to max
     * @param counts values per bin (the last bin includes max)
     */
    public record Distribution(int count, double min, double max, double mean, double std, double p05, double median,
                               double p95, double[] edges, long[] counts) {
        public static Distribution of(double[] values, int bins) {
            double[] v = values.clone();
            Arrays.sort(v);
            int n = v.length;
            double mean = Arrays.stream(v).average().orElse(Double.NaN);
            double var = Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / Math.max(1, n);
            double min = v[0];
            double max = v[n - 1];
            double width = (max - min) / bins;
            double[] edges = new double[bins + 1];
            for (int i = 0; i <= bins; i++) {
                edges[i] = min + i * width;
            }
            long[] counts = new long[bins];
            for (double x : v) {
                int b = width > 0 ? (int) ((x - min) / width) : 0;
                counts[Math.min(bins - 1, Math.max(0, b))]++;
            }
            return new Distribution(n, min, max, mean, Math.sqrt(var), quantile(v, 0.05), quantile(v, 0.5),
                    quantile(v, 0.95), edges, counts);
        }

        private static double quantile(double[] sorted, double q) {
            double pos = q * (sorted.length - 1);
            int lo = (int) Math.floor(pos);
            int hi = Math.min(sorted.length - 1, lo + 1);
            return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
        }
    }

    public static NetworkDiagnostics of(MultiLayerNetwork network) {
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < network.getnLayers(); i++) {
            org.deeplearning4j.nn.api.Layer layer = network.getLayer(i);
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            Distribution gain = null;
            Distribution norm = null;
            if (conf instanceof WeightNormDense || conf instanceof WeightNormOutput || conf instanceof WeightNormConv2D) {
                INDArray v = layer.getParam(WeightNormParams.DIRECTION_KEY);
                gain = Distribution.of(layer.getParam(WeightNormParams.GAIN_KEY).toDoubleVector(), BINS);
                norm = Distribution.of((conf instanceof WeightNormConv2D ? WeightNorm.channelNorms(v) : WeightNorm.norms(v))
                        .toDoubleVector(), BINS);
            }
            layers.add(new Layer(i, conf.getClass().getSimpleName(), layer.numParams(),
                    NetworkSummary.keep(conf.getIDropout()), gain, norm));
        }
        return new NetworkDiagnostics(List.copyOf(layers), network.numParams(), digest(network.params()));
    }

    /** SHA-256 of the values as 32-bit floats, big-endian, in their flat order. */
    static String digest(INDArray params) {
        float[] values = params.castTo(DataType.FLOAT).toFloatVector();
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES);
        bytes.asFloatBuffer().put(values);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
