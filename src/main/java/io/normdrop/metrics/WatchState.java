package io.normdrop.metrics;

/**
 * Where early stopping and the plateau schedule stand after an epoch, as a checkpoint keeps it
 * for a resumed run.
 *
 * @param bestEpoch     the epoch with the best validation metric so far; 0 before the first
 * @param best          that metric
 * @param sinceBest     epochs since then without an improvement
 * @param plateauBest   the best metric the plateau schedule has seen since its last change of rate
 * @param plateauSince  epochs since then without an improvement
 * @param learningRate  the rate the next epoch trains at; 0 when nothing changed it
 */
public record WatchState(int bestEpoch, double best, int sinceBest, double plateauBest, int plateauSince,
                         double learningRate) {
    /** Before the first epoch. */
    public static final WatchState START = new WatchState(0, 0, 0, 0, 0, 0);
}
