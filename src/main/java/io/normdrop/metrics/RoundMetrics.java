package io.normdrop.metrics;

import java.util.Optional;

/**
 * One parameter-averaging round: every worker fits its share, then the workers' parameters are
 * averaged. What every master reports of a round, as it ends.
 *
 * @param epoch       1-based epoch
 * @param round       1-based round within the epoch
 * @param wallSeconds wall time of the round on the driver
 * @param score       the round's training loss: with the resident and allreduce masters the mean
 *                    over all its minibatches; with dl4j-spark's, the mean of the workers' last
 *                    minibatch losses
 * @param examples    training examples in the round
 * @param time        where the time went; empty when rounds are not timed (metrics.trainingStats)
 * @param averaging   the workers' drift, loss spread and stragglers before the average; empty where
 *                    not measured (dl4j-spark's master averages out of sight)
 */
public record RoundMetrics(int epoch, int round, double wallSeconds, double score, long examples,
                           Optional<TimeBreakdown> time, Optional<AveragingStats> averaging) {
}
