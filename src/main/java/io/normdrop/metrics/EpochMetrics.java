package io.normdrop.metrics;

import java.util.List;
import java.util.Optional;

/**
 * What one training epoch measured.
 *
 * @param epoch            1-based epoch number
 * @param epochs           epochs in the run
 * @param trainLoss        training loss: mean over the epoch's averaging rounds of their losses (see RoundMetrics)
 * @param testLoss         mean loss on the test set after the epoch
 * @param testAccuracy     accuracy on the test set after the epoch, in [0, 1]
 * @param macroF1          unweighted mean over classes of the test-set F1 score
 * @param classes          per-class precision, recall and F1 on the test set
 * @param trainExamples    examples trained on in the epoch
 * @param rounds           parameter-averaging rounds in the epoch
 * @param trainSeconds     wall time of the epoch's training (seconds, evaluation excluded)
 * @param evalSeconds      wall time of the evaluations after the epoch (test and validation sets)
 * @param samplesPerSecond trainExamples / trainSeconds
 * @param elapsedSeconds   wall time since training started, evaluation included
 * @param remainingSeconds estimated wall time for the remaining epochs
 * @param time             the epoch's training time by activity (sum over its rounds); empty when
 *                         rounds are not timed (metrics.trainingStats)
 * @param validation       loss and accuracy on the validation set after the epoch, and the learning
 *                         rate the epoch trained at; null when the job has no validation set
 */
public record EpochMetrics(int epoch, int epochs, double trainLoss, double testLoss, double testAccuracy,
                           double macroF1, List<ClassMetrics> classes, long trainExamples, int rounds,
                           double trainSeconds, double evalSeconds, double samplesPerSecond, double elapsedSeconds,
                           double remainingSeconds, Optional<TimeBreakdown> time, Validation validation) {
    /**
     * @param loss         mean loss on the validation set
     * @param accuracy     accuracy on the validation set, in [0, 1]
     * @param learningRate the learning rate the epoch trained at (the plateau schedule lowers it)
     */
    public record Validation(double loss, double accuracy, double learningRate) {
    }

    /** An epoch of a run without a validation set. */
    public EpochMetrics(int epoch, int epochs, double trainLoss, double testLoss, double testAccuracy, double macroF1,
                        List<ClassMetrics> classes, long trainExamples, int rounds, double trainSeconds, double evalSeconds,
                        double samplesPerSecond, double elapsedSeconds, double remainingSeconds,
                        Optional<TimeBreakdown> time) {
        this(epoch, epochs, trainLoss, testLoss, testAccuracy, macroF1, classes, trainExamples, rounds, trainSeconds,
                evalSeconds, samplesPerSecond, elapsedSeconds, remainingSeconds, time, null);
    }
}
