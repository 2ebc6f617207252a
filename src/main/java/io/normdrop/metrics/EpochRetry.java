package io.normdrop.metrics;

/**
 * An epoch Spark trained again because a task failed or an executor was lost (allreduce master:
 * the epoch's barrier stage is retried).
 *
 * @param epoch      1-based epoch
 * @param attempt    the stage attempt that completed it (2: the first retry)
 * @param roundsKept rounds that attempt took from the last average an earlier attempt completed,
 *                   instead of training them again (0: the epoch started over)
 * @param rounds     rounds of the epoch
 */
public record EpochRetry(int epoch, int attempt, int roundsKept, int rounds) {
}
