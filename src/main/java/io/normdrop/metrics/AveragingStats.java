package io.normdrop.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What one average saw of the workers just before it replaced their parameters with the mean θ̄:
 * how far they had drifted apart, how their training losses differed, and who was slowest. The
 * drift of worker i is ‖θᵢ − θ̄‖ / ‖θ̄‖ (0: all workers agree), over all parameters and per
 * parameter tensor (a weight-norm layer's g and V separately).
 *
 * @param driftMean       mean drift over the workers, all parameters
 * @param driftMax        the largest worker's drift
 * @param tensors         the same per parameter tensor
 * @param lossMin         the lowest of the workers' mean training losses in the round
 * @param lossMax         the highest
 * @param fitMeanSeconds  the workers' mean time fitting their minibatches
 * @param fitMaxSeconds   the slowest worker's
 * @param slowestWorker   which worker that was (0-based)
 * @param slowestExecutor and on which executor it ran ({@code id@host})
 */
public record AveragingStats(double driftMean, double driftMax, List<TensorDrift> tensors, double lossMin,
                             double lossMax, double fitMeanSeconds, double fitMaxSeconds, int slowestWorker,
                             String slowestExecutor) {
    /**
     * @param layer layer index
     * @param param DL4J's name of the tensor in its layer: W, b (dense, conv), g, V, b (weight-norm)
     * @param mean  mean drift over the workers
     * @param max   the largest worker's drift
     */
    public record TensorDrift(int layer, String param, double mean, double max) {
    }

    /**
     * The statistics of a round whose drift is known, from each worker's mean loss (NaN for a
     * worker without minibatches), fit time and executor.
     */
    public static AveragingStats of(double driftMean, double driftMax, List<TensorDrift> tensors, double[] losses,
                                    long[] fitNanos, String[] executors) {
        double lossMin = Double.NaN;
        double lossMax = Double.NaN;
        for (double l : losses) {
            if (!Double.isNaN(l)) {
                lossMin = Double.isNaN(lossMin) ? l : Math.min(lossMin, l);
                lossMax = Double.isNaN(lossMax) ? l : Math.max(lossMax, l);
            }
        }
        int slowest = 0;
        double sum = 0;
        for (int j = 0; j < fitNanos.length; j++) {
            sum += fitNanos[j];
            if (fitNanos[j] > fitNanos[slowest]) {
                slowest = j;
            }
        }
        return new AveragingStats(driftMean, driftMax, List.copyOf(tensors), lossMin, lossMax,
                sum / fitNanos.length / 1e9, fitNanos[slowest] / 1e9, slowest, executors[slowest]);
    }

    /** The slowest worker's fit time over the workers' mean: 1 = no straggler. */
    public double stragglerRatio() {
        return fitMeanSeconds > 0 ? fitMaxSeconds / fitMeanSeconds : 1;
    }

    /** Highest minus lowest of the workers' mean losses. */
    public double lossSpread() {
        return lossMax - lossMin;
    }

    /**
     * Several rounds' statistics in one (an epoch's, for {@code epochs.csv} and the Prometheus
     * gauges).
     *
     * @param rounds          rounds summarized
     * @param driftMean       mean over the rounds of their mean drift
     * @param driftMax        the largest drift of any worker in any round
     * @param tensors         per parameter tensor, the mean over the rounds of its mean drift and its largest
     * @param lossSpread      mean over the rounds of their loss spread
     * @param stragglerRatio  mean over the rounds of their straggler ratio
     * @param stragglerMax    the largest straggler ratio of any round
     * @param slowestExecutor the executor slowest in the most rounds (ties: the first named)
     * @param slowestRounds   in how many rounds it was
     */
    public record Summary(int rounds, double driftMean, double driftMax, List<TensorDrift> tensors, double lossSpread,
                          double stragglerRatio, double stragglerMax, String slowestExecutor, long slowestRounds) {
        /** The summary of {@code stats}; null when there are none. */
        public static Summary of(List<AveragingStats> stats) {
            if (stats.isEmpty()) {
                return null;
            }
            int n = stats.size();
            Map<String, TensorDrift> byTensor = new LinkedHashMap<>();
            for (AveragingStats s : stats) {
                for (TensorDrift t : s.tensors()) {
                    byTensor.merge(t.layer() + "_" + t.param(), new TensorDrift(t.layer(), t.param(), t.mean() / n, t.max()),
                            (a, b) -> new TensorDrift(a.layer(), a.param(), a.mean() + b.mean(), Math.max(a.max(), b.max())));
                }
            }
            Map<String, Long> slowest = stats.stream().collect(Collectors.groupingBy(AveragingStats::slowestExecutor,
                    LinkedHashMap::new, Collectors.counting()));
            Map.Entry<String, Long> most = null;
            for (Map.Entry<String, Long> e : slowest.entrySet()) {
                if (most == null || e.getValue() > most.getValue()) {
                    most = e;
                }
            }
            return new Summary(n, mean(stats, AveragingStats::driftMean),
                    stats.stream().mapToDouble(AveragingStats::driftMax).max().orElseThrow(),
                    new ArrayList<>(byTensor.values()), mean(stats, AveragingStats::lossSpread),
                    mean(stats, AveragingStats::stragglerRatio),
                    stats.stream().mapToDouble(AveragingStats::stragglerRatio).max().orElseThrow(),
                    most.getKey(), most.getValue());
        }

        /** The summary of the rounds that carry statistics; null when none does. */
        public static Summary ofRounds(List<RoundMetrics> rounds) {
            return of(rounds.stream().flatMap(r -> r.averaging().stream()).toList());
        }

        private static double mean(List<AveragingStats> stats, Function<AveragingStats, Double> f) {
            return stats.stream().mapToDouble(f::apply).filter(Double::isFinite).average().orElse(Double.NaN);
        }
    }
}
