package io.normdrop.config;

import com.typesafe.config.Config;

/**
 * How the workers' averaging is scheduled beyond its steady frequency
 * ({@code training.averagingFrequency}): the values of the keys under {@code training.averaging}.
 *
 * @param warmupEvery  minibatches per worker between averagings during the warm-up epochs
 * @param warmupEpochs epochs at the start of training that average every {@code warmupEvery}
 *                     minibatches (post-local SGD, Lin et al. 2020); 0: no warm-up
 * @param updaterState what an average does with the updater's state (Adam's moments)
 */
public record AveragingSpec(int warmupEvery, int warmupEpochs, UpdaterState updaterState) {
    /** What happens to the updater's state when the parameters are averaged. */
    public enum UpdaterState implements JobFileName {
        /** Averaged with the parameters (dl4j-spark's behaviour). */
        AVERAGE,
        /** Each worker keeps its own; only the parameters are averaged. */
        LOCAL,
        /** Zeroed on every worker after each average. */
        RESET
    }

    static final Key<Integer> WARMUP_EVERY = Key.integer("training.averaging.warmupEvery", 1,
            "Minibatches each worker fits between averagings during the warm-up epochs.", Rules.atLeast(1));
    static final Key<Integer> WARMUP_EPOCHS = Key.integer("training.averaging.warmupEpochs", 0, """
            Epochs at the start of training that average every warmupEvery minibatches before training.averagingFrequency \
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
    public static final AveragingSpec DEFAULT = new AveragingSpec(WARMUP_EVERY.defaultValue(), 0, UpdaterState.AVERAGE);

    public AveragingSpec {
        WARMUP_EVERY.check(warmupEvery);
        WARMUP_EPOCHS.check(warmupEpochs);
        UPDATER_STATE.check(updaterState);
    }

    static AveragingSpec from(Config c) {
        return new AveragingSpec(WARMUP_EVERY.read(c), WARMUP_EPOCHS.read(c), UPDATER_STATE.read(c));
    }

    /**
     * Minibatches per worker between averagings in 1-based {@code epoch}, when the steady
     * frequency is {@code frequency}.
     */
    public int every(int epoch, int frequency) {
        return epoch <= warmupEpochs ? warmupEvery : frequency;
    }

    /** E.g. {@code every 20}, {@code every 1 for 1 epoch, then 20; updater state local}. */
    public String describe(int frequency) {
        String schedule = warmupEpochs == 0 ? "every " + frequency
                : "every " + warmupEvery + " for " + warmupEpochs + (warmupEpochs == 1 ? " epoch" : " epochs")
                + ", then " + frequency;
        return updaterState == UpdaterState.AVERAGE ? schedule : schedule + "; updater state " + updaterState.jobName();
    }
}
