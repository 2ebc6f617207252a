package io.normdrop.config;

import com.typesafe.config.Config;

/**
 * How the workers' averaging is scheduled beyond its steady period
 * ({@code training.averagingPeriod}): the values of the keys under {@code training.averaging}.
 *
 * @param warmupPeriod  minibatches per worker between averagings during the warm-up epochs
 * @param warmupEpochs epochs at the start of training that average every {@code warmupPeriod}
 *                     minibatches (post-local SGD, Lin et al. 2020); 0: no warm-up
 * @param updaterState what an average does with the updater's state (Adam's moments)
 */
public record AveragingSpec(int warmupPeriod, int warmupEpochs, UpdaterState updaterState) {
    /** What happens to the updater's state when the parameters are averaged. */
    public enum UpdaterState implements JobFileName {
        /** Averaged with the parameters (dl4j-spark's behaviour). */
        AVERAGE,
        /** Each worker keeps its own; only the parameters are averaged. */
        LOCAL,
        /** Zeroed on every worker after each average. */
        RESET
    }

    static final Key<Integer> WARMUP_PERIOD = Key.integer("training.averaging.warmupPeriod", 1,
            "The averaging period during the warm-up epochs: minibatches each worker fits between averages. Formerly "
                    + "training.averaging.warmupEvery (still accepted).", Rules.atLeast(1));
    static final Key<Integer> WARMUP_EPOCHS = Key.integer("training.averaging.warmupEpochs", 0, """
            Epochs at the start of training that average every warmupPeriod minibatches before training.averagingPeriod \
            takes over (post-local SGD, Lin et al. 2020: average often while the parameters move fast, seldom later). \
            0: no warm-up. allreduce master only.""", Rules.atLeast(0));
    static final Key<UpdaterState> UPDATER_STATE = Key.oneOf("training.averaging.updaterState", UpdaterState.class,
            UpdaterState.AVERAGE, """
            What an average does with the updater's state (Adam's moments, Nesterov's velocity): average = averaged \
            with the parameters (dl4j-spark's behaviour) | local = each worker keeps its own, and only the \
            parameters are averaged (allreduce: a third of Adam's traffic); the driver's model holds the \
            workers' mean state after every epoch | reset = zeroed on every worker after each average. local and reset: allreduce and \
            resident masters only.""");

    /** Today's behaviour: no warm-up, the updater state averaged. */
    public static final AveragingSpec DEFAULT = new AveragingSpec(WARMUP_PERIOD.defaultValue(), 0, UpdaterState.AVERAGE);

    public AveragingSpec {
        WARMUP_PERIOD.check(warmupPeriod);
        WARMUP_EPOCHS.check(warmupEpochs);
        UPDATER_STATE.check(updaterState);
    }

    static AveragingSpec from(Config c) {
        return new AveragingSpec(WARMUP_PERIOD.read(c), WARMUP_EPOCHS.read(c), UPDATER_STATE.read(c));
    }

    /**
     * The averaging period (minibatches per worker between averages) in 1-based {@code epoch},
     * when the steady period is {@code period}.
     */
    public int period(int epoch, int period) {
        return epoch <= warmupEpochs ? warmupPeriod : period;
    }

    /** E.g. {@code every 20}, {@code every 1 for 1 epoch, then 20; updater state local}. */
    public String describe(int period) {
        String schedule = warmupEpochs == 0 ? "every " + period
                : "every " + warmupPeriod + " for " + warmupEpochs + (warmupEpochs == 1 ? " epoch" : " epochs")
                + ", then " + period;
        return updaterState == UpdaterState.AVERAGE ? schedule : schedule + "; updater state " + updaterState.jobName();
    }
}
