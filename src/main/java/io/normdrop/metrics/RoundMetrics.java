package io.normdrop.metrics;

/**
 * One parameter-averaging round (one {@code fit} call of dl4j-spark's training master).
 *
 * @param epoch       1-based epoch
 * @param round       1-based round within the epoch
 * @param wallSeconds wall time of the round on the driver
 * @param score       mean of the workers' last minibatch loss, as dl4j-spark reports it
 * @param examples    training examples in the round
 * @param time        where the time went; null when training statistics are off
 */
public record RoundMetrics(int epoch, int round, double wallSeconds, double score, long examples, TimeBreakdown time) {
}
