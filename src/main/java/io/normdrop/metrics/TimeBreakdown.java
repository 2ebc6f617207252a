package io.normdrop.metrics;

/**
 * Where the wall time of averaging rounds went, in seconds, as the averaging measured it (the
 * resident master times its own steps; dl4j-spark's master reports its training statistics).
 * Worker-side times are the mean over the round's workers (they run in parallel).
 *
 * @param broadcast   creating the parameter broadcast on the driver and loading it on the workers
 * @param fit         workers fitting minibatches (the resident and parameter-averaging masters: including
 *                    waiting for their data)
 * @param aggregation collecting and averaging the workers' parameters and updater state, and
 *                    applying them on the driver
 * @param repartition repartitioning, splitting and counting the training data; the allreduce master:
 *                    the workers waiting for their minibatches (reading, decoding, shuffling, batching)
 * @param export      exporting minibatches to files (export approach only)
 * @param other       the rest of the rounds' wall time: scheduling, task start-up, driver work
 */
public record TimeBreakdown(double broadcast, double fit, double aggregation, double repartition, double export,
                            double other) {
    public static final TimeBreakdown ZERO = new TimeBreakdown(0, 0, 0, 0, 0, 0);

    /** Time spent preparing data before the workers fit (counted as repartitioning), and nothing else. */
    public static TimeBreakdown preparing(double seconds) {
        return new TimeBreakdown(0, 0, 0, seconds, 0, 0);
    }

    /** The parts' sum: the wall time covered. */
    public double total() {
        return broadcast + fit + aggregation + repartition + export + other;
    }

    public TimeBreakdown plus(TimeBreakdown o) {
        return new TimeBreakdown(broadcast + o.broadcast, fit + o.fit, aggregation + o.aggregation,
                repartition + o.repartition, export + o.export, other + o.other);
    }

    /**
     * The same breakdown of a round that took {@code wall} seconds: what the named parts leave is
     * "other" (0 if they add up to more, which only dl4j-spark's overlapping events can).
     */
    public TimeBreakdown within(double wall) {
        double named = broadcast + fit + aggregation + repartition + export;
        return new TimeBreakdown(broadcast, fit, aggregation, repartition, export, Math.max(0, wall - named));
    }
}
