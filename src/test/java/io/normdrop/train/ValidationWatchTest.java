package io.normdrop.train;

import io.normdrop.config.JobFiles;
import io.normdrop.config.TrainingConfig;
import io.normdrop.metrics.EpochMetrics;
import io.normdrop.metrics.WatchState;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Early stopping and the plateau schedule decide as Keras's EarlyStopping and ReduceLROnPlateau
 * do: an improvement must beat the best by more than minDelta, patience counts the epochs since
 * the best, the rate drops by the factor after patience stalled epochs (never below the floor),
 * and a resumed watch continues from its state.
 */
class ValidationWatchTest {
    static TrainingConfig training(String... sets) {
        return JobFiles.parse("""
                data { train { images = a, labels = b }, test { images = c, labels = d }, validation.fraction = 0.1 }
                model.layers = [ { type = dense, units = 4 }, { type = output, units = 2 } ]
                output.dir = out
                """, List.of(sets)).config().training();
    }

    /** Validation loss {@code loss} (accuracy 1 − loss) after an epoch trained at {@code rate}. */
    static EpochMetrics.Validation at(double loss, double rate) {
        return new EpochMetrics.Validation(loss, 1 - loss, rate);
    }

    @Test
    void stopsAfterPatienceEpochsWithoutAnImprovementBiggerThanMinDelta() {
        ValidationWatch w = new ValidationWatch(training("training.earlyStopping.metric=validation-loss",
                "training.earlyStopping.patience=2", "training.earlyStopping.minDelta=0.05"), WatchState.START);
        assertTrue(w.observe(1, at(0.50, 0.01)));
        assertTrue(w.observe(2, at(0.40, 0.01)));
        assertFalse(w.observe(3, at(0.36, 0.01)), "0.04 better is not more than minDelta");
        assertFalse(w.exhausted());
        assertFalse(w.observe(4, at(0.41, 0.01)));
        assertTrue(w.exhausted());
        assertEquals(2, w.state().bestEpoch());
        assertEquals("validation-loss did not improve by more than 0.05 for 2 epochs after epoch 2", w.reason(4, 10));
        assertTrue(w.keepsBest());
        assertTrue(Double.isNaN(w.nextRate()), "no plateau schedule: nothing sets the rate");
    }

    @Test
    void accuracyIsBetterWhenHigherAndAResumedWatchContinues() {
        TrainingConfig t = training("training.earlyStopping.metric=validation-accuracy", "training.earlyStopping.patience=3");
        ValidationWatch w = new ValidationWatch(t, WatchState.START);
        w.observe(1, at(0.5, 0.01)); // accuracy 0.5
        w.observe(2, at(0.6, 0.01)); // 0.4: worse
        ValidationWatch resumed = new ValidationWatch(t, w.state());
        assertTrue(resumed.observe(3, at(0.3, 0.01)), "accuracy 0.7 beats 0.5");
        assertFalse(resumed.observe(4, at(0.31, 0.01)));
        assertEquals(1, resumed.state().sinceBest());
        assertEquals(3, resumed.state().bestEpoch());
    }

    @Test
    void thePlateauScheduleLowersTheRateAfterPatienceStalledEpochsDownToTheFloor() {
        ValidationWatch w = new ValidationWatch(training("training.epochs=10", "training.updater.schedule.type=plateau",
                "training.updater.schedule.patience=2", "training.updater.schedule.decay=0.1",
                "training.updater.schedule.minLearningRate=0.00002", "training.updater.learningRate=0.001"),
                WatchState.START);
        w.observe(1, at(0.5, 0.001));
        assertEquals(0.001, w.nextRate(), 0);
        w.observe(2, at(0.6, 0.001));
        assertEquals(0.001, w.nextRate(), 0, "one stalled epoch: patience is 2");
        w.observe(3, at(0.55, 0.001));
        assertEquals(0.0001, w.nextRate(), 1e-12, "two stalled epochs: x 0.1");
        w.observe(4, at(0.45, 0.0001));
        assertEquals(0.0001, w.nextRate(), 1e-12, "an improvement keeps the rate");
        w.observe(5, at(0.46, 0.0001));
        w.observe(6, at(0.47, 0.0001));
        assertEquals(0.00002, w.nextRate(), 1e-12, "never below minLearningRate");
        assertFalse(w.keepsBest(), "without early stopping the run keeps the last epoch");
        assertFalse(w.exhausted());
    }
}
