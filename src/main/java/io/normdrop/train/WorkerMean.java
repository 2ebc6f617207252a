package io.normdrop.train;

import io.normdrop.metrics.AveragingStats;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The mean of the workers' vectors over a range of the averaged vector, as both Normdrop masters
 * compute it (summed in worker order, then scaled by 1/workers), and, where the range holds
 * parameters, how far each worker was from that mean: the sums behind ‖θᵢ − θ̄‖ / ‖θ̄‖ per
 * parameter tensor, taken from the vectors already gathered for the mean.
 */
final class WorkerMean {
    private WorkerMean() {
    }

    /**
     * Writes into {@code out[from, to)} the mean of {@code parts}, where {@code parts[j][k]} is
     * worker {@code j}'s element {@code from + k}, and adds the drift of the parameters among
     * them to {@code drift} (null: not measured).
     */
    static void mean(float[][] parts, int from, int to, float[] out, ParamLayout layout, Drift drift) {
        int n = parts.length;
        int length = to - from;
        System.arraycopy(parts[0], 0, out, from, length);
        for (int j = 1; j < n; j++) {
            float[] p = parts[j];
            for (int k = 0; k < length; k++) {
                out[from + k] += p[k];
            }
        }
        float scale = 1 / (float) n;
        for (int k = 0; k < length; k++) {
            out[from + k] *= scale;
        }
        if (drift == null || layout == null) {
            return;
        }
        for (int t = layout.tensorAt(from); t >= 0 && t < layout.tensors() && layout.from(t) < to; t++) {
            int a = Math.max(from, layout.from(t));
            int b = Math.min(to, layout.to(t));
            drift.meanSquare[t] += squares(out, a, out, a, b - a, false);
            for (int j = 0; j < n; j++) {
                drift.deviation[j * drift.tensors + t] += squares(parts[j], a - from, out, a, b - a, true);
            }
        }
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
     * Per parameter tensor: Σ θ̄² and, per worker, Σ (θᵢ − θ̄)², summed over the slices of the
     * vector as the mean is computed (each allreduce task adds its own slice's; the driver adds them up).
     */
    static final class Drift implements Serializable {
        private static final long serialVersionUID = 1L;
        final int workers;
        final int tensors;
        final double[] deviation;
        final double[] meanSquare;

        Drift(int workers, int tensors) {
            this.workers = workers;
            this.tensors = tensors;
            this.deviation = new double[workers * tensors];
            this.meanSquare = new double[tensors];
        }

        void add(Drift o) {
            for (int i = 0; i < deviation.length; i++) {
                deviation[i] += o.deviation[i];
            }
            for (int i = 0; i < meanSquare.length; i++) {
                meanSquare[i] += o.meanSquare[i];
            }
        }

        /** Puts worker {@code j}'s sums of round {@code r} from {@code rows} into this round's. */
        void add(int j, Rows rows, int r) {
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
        static Rows rows(Drift[] drift, int me, int workers, int tensors, BlockExchange exchange) {
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
            return new Rows(deviation, meanSquare);
        }

        /**
         * The round's averaging statistics: drift from these sums, and the workers' losses and
         * fit times (by worker).
         *
         * @param losses    each worker's mean training loss in the round (NaN: it had no minibatch)
         * @param fitNanos  each worker's time fitting in the round
         * @param executors each worker's executor
         */
        AveragingStats stats(ParamLayout layout, double[] losses, long[] fitNanos, String[] executors) {
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
    }

    /**
     * One worker's drift sums through an epoch, {@code rounds x tensors} each, by round then tensor:
     * its own deviation from the mean, and its slice's sums of the mean's squares.
     */
    static final class Rows implements Serializable {
        private static final long serialVersionUID = 1L;
        // A class, not a record: Spark's Kryo (2.x) cannot serialize records.
        final double[] deviation;
        final double[] meanSquare;

        Rows(double[] deviation, double[] meanSquare) {
            this.deviation = deviation;
            this.meanSquare = meanSquare;
        }
    }
}
