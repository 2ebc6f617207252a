package io.normdrop.train;

import io.normdrop.metrics.MetricsSink;
import io.normdrop.metrics.RoundMetrics;
import org.apache.spark.api.java.JavaRDD;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;
import java.util.Optional;

/**
 * Parameter averaging on Spark, one epoch at a time: the workers fit their shares of the epoch's
 * minibatches starting from the driver network's parameters and updater state, averaging every
 * {@code training.averagingPeriod} minibatches; then the driver network holds their average. All
 * three masters implement it ({@link Masters} builds the one a job chose, with the
 * {@code TrainingEpochs} cut for it): {@link AllReduceAveraging} (the workers average among
 * themselves in one barrier stage per epoch), {@link ResidentAveraging} (a Spark job per round,
 * networks kept on the executors) and {@link Dl4jAveraging} (dl4j-spark's
 * {@code ParameterAveragingTrainingMaster}); the latter two share {@link RoundByRound}.
 */
interface Averaging extends AutoCloseable {
    /**
     * Trains one epoch and leaves the average in the driver network, reporting each round (and a
     * retried epoch) to {@code sink} as the master learns of it.
     *
     * @param epoch   1-based epoch
     * @param batches the epoch's minibatches, each partition one worker's share (of a round, or of
     *                the epoch), as the master's {@code TrainingEpochs} cut them
     * @param within  where a resumed run continues inside this epoch (the driver network holds its
     *                state), if not from its start
     * @return the epoch's rounds
     */
    List<RoundMetrics> epoch(int epoch, JavaRDD<DataSet> batches, Optional<RoundContinuation> within, MetricsSink sink);

    /** Minibatch iterations trained so far, as a checkpoint records them. */
    int iterationCount();

    /** Drops what the epochs left behind (resident networks, exported minibatches). */
    @Override
    void close();
}
