package io.normdrop.metrics;

import java.util.List;

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
 * @param evalSeconds      wall time of the test-set evaluation after the epoch
 * @param samplesPerSecond trainExamples / trainSeconds
 * @param elapsedSeconds   wall time since training started, evaluation included
 * @param remainingSeconds estimated wall time for the remaining epochs
 * @param time             the epoch's training time by activity (sum over its rounds); null when
 *                         rounds are not timed (metrics.trainingStats)
 */
public record EpochMetrics(int epoch, int epochs, double trainLoss, double testLoss, double testAccuracy,
                           double macroF1, List<ClassMetrics> classes, long trainExamples, int rounds,
                           double trainSeconds, double evalSeconds, double samplesPerSecond, double elapsedSeconds,
                           double remainingSeconds, TimeBreakdown time) {
}
