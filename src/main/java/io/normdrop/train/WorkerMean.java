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
            double square = 0;
            for (int i = a; i < b; i++) {
                square += (double) out[i] * out[i];
            }
            drift.meanSquare[t] += square;
            for (int j = 0; j < n; j++) {
                float[] p = parts[j];
                double d2 = 0;
                for (int i = a; i < b; i++) {
                    double d = p[i - from] - out[i];
                    d2 += d * d;
                }
                drift.deviation[j * drift.tensors + t] += d2;
            }
        }
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
}
