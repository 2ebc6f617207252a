package io.normdrop.train;

import io.normdrop.config.TrainingConfig;
import io.normdrop.config.UpdaterSpec;
import io.normdrop.metrics.EpochMetrics;
import io.normdrop.metrics.WatchState;

import java.util.Locale;

/**
 * Early stopping and the plateau schedule, deciding after every epoch from the validation set
 * (never the test set): whether the epoch is the best so far (its network is kept), whether
 * training stops, and the learning rate of the next epoch. Early stopping is Keras's
 * {@code EarlyStopping(restore_best_weights = true)}, the plateau schedule its
 * {@code ReduceLROnPlateau} (no cooldown).
 */
final class ValidationWatch {
    private final TrainingConfig.EarlyStopping stopping;
    private final UpdaterSpec.Schedule schedule;
    private final boolean plateau;
    private final boolean lowerIsBetter;
    private final double minDelta;
    private WatchState state;

    /**
     * @param from where a resumed run stood ({@link WatchState#START} for a fresh one)
     */
    ValidationWatch(TrainingConfig training, WatchState from) {
        this.stopping = training.earlyStopping();
        this.schedule = training.updater().schedule();
        this.plateau = schedule.type() == UpdaterSpec.Schedule.Type.PLATEAU;
        this.lowerIsBetter = stopping.metric() != TrainingConfig.EarlyStopping.Metric.VALIDATION_ACCURACY;
        this.minDelta = stopping.enabled() ? stopping.minDelta() : 0;
        this.state = from;
    }

    /** The metric early stopping and the plateau schedule watch, by its job-file name. */
    String metric() {
        return stopping.enabled() ? stopping.metric().jobName() : TrainingConfig.EarlyStopping.Metric.VALIDATION_LOSS.jobName();
    }

    private double value(EpochMetrics.Validation v) {
        return lowerIsBetter ? v.loss() : v.accuracy();
    }

    private boolean better(double value, double than) {
        return lowerIsBetter ? value < than - minDelta : value > than + minDelta;
    }

    /**
     * Takes epoch {@code epoch}'s validation results (with the rate it trained at); returns whether
     * it is the best epoch so far, the one early stopping keeps.
     */
    boolean observe(int epoch, EpochMetrics.Validation validation) {
        double v = value(validation);
        double rate = validation.learningRate();
        boolean best = state.bestEpoch() == 0 || better(v, state.best());
        int bestEpoch = best ? epoch : state.bestEpoch();
        double bestValue = best ? v : state.best();
        int since = best ? 0 : state.sinceBest() + 1;
        double next = rate;
        double plateauBest = state.plateauBest();
        int plateauSince = state.plateauSince();
        if (plateau) {
            if (state.bestEpoch() == 0 || better(v, plateauBest)) {
                plateauBest = v;
                plateauSince = 0;
            } else if (++plateauSince >= schedule.patience()) {
                next = Math.max(schedule.floor(), rate * schedule.decay());
                plateauSince = 0;
            }
        }
        state = new WatchState(bestEpoch, bestValue, since, plateauBest, plateauSince, plateau ? next : 0);
        return best;
    }

    /** Whether early stopping has run out of patience. */
    boolean exhausted() {
        return stopping.enabled() && state.sinceBest() >= stopping.patience();
    }

    /** Whether early stopping keeps the best epoch's network rather than the last one. */
    boolean keepsBest() {
        return stopping.enabled();
    }

    /** The rate the next epoch trains at: the plateau schedule's; NaN when nothing sets it. */
    double nextRate() {
        return plateau && state.learningRate() > 0 ? state.learningRate() : Double.NaN;
    }

    WatchState state() {
        return state;
    }

    /** Why training ended after {@code trained} epochs of {@code epochs}, in words. */
    String reason(int trained, int epochs) {
        if (exhausted()) {
            return String.format(Locale.ROOT, "%s did not improve by more than %s for %d epochs after epoch %d",
                    metric(), minDelta, stopping.patience(), state.bestEpoch());
        }
        return "trained all " + epochs + " epochs" + (trained < epochs ? " (resumed after the last)" : "");
    }
}
