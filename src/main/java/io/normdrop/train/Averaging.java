package io.normdrop.train;

import io.normdrop.metrics.AveragingStats;
import io.normdrop.metrics.TimeBreakdown;
import org.apache.spark.api.java.JavaRDD;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Parameter averaging on Spark, one round at a time: every partition of a round goes to a
 * worker, which fits its minibatches starting from the driver network's parameters and updater
 * state; then the driver network holds the workers' average. {@link SparkTrainer} decides what
 * the rounds are; an implementation decides how the parameters travel:
 * {@link ResidentAveraging} (Normdrop's: networks kept on the executors) and
 * {@link Dl4jAveraging} (dl4j-spark's {@code ParameterAveragingTrainingMaster}).
 */
interface Averaging extends AutoCloseable {
    /**
     * One averaging round.
     *
     * @param loss        mean training loss the workers reported (NaN when the round had no data)
     * @param wallSeconds the round's wall time on the driver
     * @param time        where that time went; null when rounds are not timed
     *                    ({@code metrics.trainingStats = false})
     * @param averaging   the workers' drift, losses and stragglers; null where not measured
     */
    record Round(double loss, double wallSeconds, TimeBreakdown time, AveragingStats averaging) {
    }

    /**
     * Trains one round of {@code data} (each partition one worker's share) and leaves the average
     * in the driver network.
     */
    Round fit(JavaRDD<DataSet> data);

    /** Minibatch iterations trained so far, as a checkpoint records them. */
    int iterationCount();

    /** Drops what the rounds left behind (resident networks, exported minibatches). */
    @Override
    void close();
}
