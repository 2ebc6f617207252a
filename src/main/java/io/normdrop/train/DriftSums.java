package io.normdrop.train;

import io.normdrop.metrics.AveragingStats;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * How far the workers drifted apart before an average, as sums: per parameter tensor, Σ θ̄² and,
 * per worker, Σ (θᵢ − θ̄)², summed over the slices of the vector as {@link VectorMean} computes the
 * mean (each allreduce task adds its own slice's; the driver adds them up), from the vectors
 * already gathered for it. {@link #stats} turns them into ‖θᵢ − θ̄‖ / ‖θ̄‖.
 */
final class DriftSums implements Serializable {
    private static final long serialVersionUID = 1L;
    final int workers;
    final int tensors;
    final double[] deviation;
    final double[] meanSquare;

    /** Sums that measure nothing: the mean of a range that holds no parameters, or of updater state. */
    static final DriftSums NONE = new DriftSums(0, 0);

    /** Where the parameters are, to measure per tensor; null: sums read back, which take no more measurements. */
    private final transient ParamLayout layout;

    /** Empty sums that the means of {@code workers} workers' vectors, laid out as {@code layout}, add to. */
    DriftSums(int workers, ParamLayout layout) {
        this(workers, layout.tensors(), layout);
    }

    /** Empty sums to read measured ones into (a round checkpoint, a worker's rows). */
    DriftSums(int workers, int tensors) {
        this(workers, tensors, null);
    }

    private DriftSums(int workers, int tensors, ParamLayout layout) {
        this.workers = workers;
        this.tensors = tensors;
        this.layout = layout;
        this.deviation = new double[workers * tensors];
        this.meanSquare = new double[tensors];
    }

    /**
     * Adds the drift of the workers' parameters in {@code [from, to)} from their {@code mean},
     * where {@code parts[j][k]} is worker {@code j}'s element {@code from + k}.
     */
    void add(float[][] parts, int from, int to, float[] mean) {
        if (layout == null) {
            return;
        }
        for (int t = layout.tensorAt(from); t >= 0 && t < layout.tensors() && layout.from(t) < to; t++) {
            int a = Math.max(from, layout.from(t));
            int b = Math.min(to, layout.to(t));
            meanSquare[t] += squares(mean, a, mean, a, b - a, false);
            for (int j = 0; j < parts.length; j++) {
                deviation[j * tensors + t] += squares(parts[j], a - from, mean, a, b - a, true);
            }
        }
    }

    void add(DriftSums o) {
        for (int i = 0; i < deviation.length; i++) {
            deviation[i] += o.deviation[i];
        }
        for (int i = 0; i < meanSquare.length; i++) {
            meanSquare[i] += o.meanSquare[i];
        }
    }

    /** Puts worker {@code j}'s sums of round {@code r} from {@code rows} into this round's. */
    void add(int j, PerWorker rows, int r) {
        System.arraycopy(rows.deviation, r * tensors, deviation, j * tensors, tensors);
        for (int t = 0; t < tensors; t++) {
            meanSquare[t] += rows.meanSquare[r * tensors + t];
        }
    }

    /**
     * One worker's drift through an epoch as the driver needs it: per round and tensor, its own
     * deviation from the mean summed over every worker's slice, and its slice's sums of the
     * mean's squares. Each worker measured every worker's deviation within its own slice; the
     * workers exchange those columns among themselves once, after the last round (one
     * all-to-all), so each sends the driver rounds x tensors x 2 numbers, however many workers
     * there are, where sending its whole sums made the driver receive workers^2 x tensors per
     * round. The columns are summed in worker order, as the driver summed them.
     */
    static PerWorker perWorker(DriftSums[] drift, int me, int workers, int tensors, BlockExchange exchange) {
        int rounds = drift.length;
        byte[][] out = new byte[workers][];
        for (int j = 0; j < workers; j++) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(rounds * tensors * Double.BYTES);
            for (int r = 0; r < rounds; r++) {
                for (int t = 0; t < tensors; t++) {
                    b.putDouble(drift[r] == null ? 0 : drift[r].deviation[j * tensors + t]);
                }
            }
            out[j] = b.array();
        }
        byte[][] in = workers > 1 ? exchange.allToAll(out, "drift") : out;
        double[] deviation = new double[rounds * tensors];
        for (int i = 0; i < workers; i++) {
            java.nio.DoubleBuffer b = java.nio.ByteBuffer.wrap(in[i]).asDoubleBuffer();
            for (int k = 0; k < deviation.length; k++) {
                deviation[k] += b.get(k);
            }
        }
        double[] meanSquare = new double[rounds * tensors];
        for (int r = 0; r < rounds; r++) {
            if (drift[r] != null) {
                System.arraycopy(drift[r].meanSquare, 0, meanSquare, r * tensors, tensors);
            }
        }
        return new PerWorker(deviation, meanSquare);
    }

    /**
     * The round's averaging statistics: drift from these sums (measured, or read into sums that
     * know the layout), and the workers' losses and fit times (by worker).
     *
     * @param losses    each worker's mean training loss in the round (NaN: it had no minibatch)
     * @param fitNanos  each worker's time fitting in the round
     * @param executors each worker's executor
     */
    AveragingStats stats(double[] losses, long[] fitNanos, String[] executors) {
        List<AveragingStats.TensorDrift> perTensor = new ArrayList<>();
        double allSquare = 0;
        double[] allDeviation = new double[workers];
        for (int t = 0; t < tensors; t++) {
            double mean = 0;
            double max = 0;
            for (int j = 0; j < workers; j++) {
                double d = relative(deviation[j * tensors + t], meanSquare[t]);
                mean += d / workers;
                max = Math.max(max, d);
                allDeviation[j] += deviation[j * tensors + t];
            }
            allSquare += meanSquare[t];
            perTensor.add(new AveragingStats.TensorDrift(layout.layer(t), layout.param(t), mean, max));
        }
        double mean = 0;
        double max = 0;
        for (int j = 0; j < workers; j++) {
            double d = relative(allDeviation[j], allSquare);
            mean += d / workers;
            max = Math.max(max, d);
        }
        return AveragingStats.of(mean, max, perTensor, losses, fitNanos, executors);
    }

    /** ‖θᵢ − θ̄‖ / ‖θ̄‖ from the squares; 0 when the mean and the deviation are both zero. */
    private static double relative(double deviation, double meanSquare) {
        return deviation == 0 ? 0 : Math.sqrt(deviation / meanSquare);
    }

    /**
     * Σ x[i]² (or Σ (x[i] − m[i])² with {@code minus}) over {@code length} elements from {@code x[xa]}
     * and {@code m[ma]}: float terms summed in double, in four independent sums so that the
     * additions overlap (one sum would wait on each addition).
     */
    private static double squares(float[] x, int xa, float[] m, int ma, int length, boolean minus) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int k = 0;
        for (; k + 3 < length; k += 4) {
            float d0 = minus ? x[xa + k] - m[ma + k] : x[xa + k];
            float d1 = minus ? x[xa + k + 1] - m[ma + k + 1] : x[xa + k + 1];
            float d2 = minus ? x[xa + k + 2] - m[ma + k + 2] : x[xa + k + 2];
            float d3 = minus ? x[xa + k + 3] - m[ma + k + 3] : x[xa + k + 3];
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        for (; k < length; k++) {
            float d = minus ? x[xa + k] - m[ma + k] : x[xa + k];
            s0 += d * d;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * One worker's drift sums through an epoch, {@code rounds x tensors} each, by round then tensor:
     * its own deviation from the mean, and its slice's sums of the mean's squares.
     */
    static final class PerWorker implements Serializable {
        private static final long serialVersionUID = 1L;
        // A class, not a record: Spark's Kryo (2.x) cannot serialize records.
        final double[] deviation;
        final double[] meanSquare;

        PerWorker(double[] deviation, double[] meanSquare) {
            this.deviation = deviation;
            this.meanSquare = meanSquare;
        }
    }
}
