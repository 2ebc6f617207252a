package io.normdrop.train;

/**
 * Training produced a loss that is not a finite number (NaN or infinite): the parameters are
 * ruined, so training stops at once rather than averaging them into every worker.
 */
public final class TrainingDivergedException extends RuntimeException {
    private final int epoch;

    /**
     * @param epoch the epoch in which it happened
     * @param where e.g. "round 12" or "the test set"
     * @param what  which loss, e.g. "training loss"
     * @param value the value (NaN or infinite)
     */
    public TrainingDivergedException(int epoch, String where, String what, double value) {
        this("training diverged: " + what + " " + value + " in epoch " + epoch + ", " + where, epoch);
    }

    private TrainingDivergedException(String message, int epoch) {
        super(message);
        this.epoch = epoch;
    }

    /** The epoch in which training diverged. */
    public int epoch() {
        return epoch;
    }

    /** The same failure with {@code note} (what was kept, what to do) appended to its message. */
    public TrainingDivergedException with(String note) {
        TrainingDivergedException e = new TrainingDivergedException(getMessage() + "; " + note, epoch);
        e.setStackTrace(getStackTrace());
        return e;
    }
}
