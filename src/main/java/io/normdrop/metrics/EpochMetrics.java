package io.normdrop.metrics;

/**
 * What one training epoch measured.
 *
 * @param epoch            1-based epoch number
 * @param epochs           epochs in the run
 * @param trainLoss        training loss: mean over the epoch's averaging rounds of the workers' last minibatch scores (export: the last round's)
 * @param testLoss         mean loss on the test set after the epoch
 * @param testAccuracy     accuracy on the test set after the epoch, in [0, 1]
 * @param trainExamples    examples trained on in the epoch
 * @param trainSeconds     wall time of the epoch's training (seconds, evaluation excluded)
 * @param samplesPerSecond trainExamples / trainSeconds
 * @param elapsedSeconds   wall time since training started, evaluation included
 * @param remainingSeconds estimated wall time for the remaining epochs
 */
public record EpochMetrics(int epoch, int epochs, double trainLoss, double testLoss, double testAccuracy,
                           long trainExamples, double trainSeconds, double samplesPerSecond, double elapsedSeconds,
                           double remainingSeconds) {
}
