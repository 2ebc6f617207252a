package io.normdrop.train;

import io.normdrop.config.TrainingApproach;
import io.normdrop.config.TrainingConfig;
import io.normdrop.data.TrainingEpochs;
import io.normdrop.metrics.RoundMetrics;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;

import java.util.Optional;

/**
 * Parameter averaging by dl4j-spark's {@link ParameterAveragingTrainingMaster}, set up as
 * Normdrop needs it: updater state kept across averaging rounds (dl4j-spark's default drops
 * it), prefetching on, repartitioning only when the partition count differs from the worker
 * count, a fixed seed for its data splits; with {@code timed}, dl4j-spark's training statistics
 * turned into each round's time breakdown.
 */
final class Dl4jAveraging extends RoundByRound {
    /**
     * How dl4j-spark persists what it fits: serialized, as its own default. DL4J closes a
     * DataSet's off-heap arrays once it has fitted it, so a deserialized cache would hand freed
     * memory to the next epoch (seen here as "Op.Z argument was closed" and as SIGSEGV).
     */
    static final StorageLevel STORAGE_LEVEL = StorageLevel.MEMORY_ONLY_SER();

    private final ParameterAveragingTrainingMaster master;
    private final SparkDl4jMultiLayer spark;
    /** Its training statistics, read round by round; empty when rounds are not timed. */
    private final Optional<TrainingStatsReader> stats;

    /**
     * @param network         the driver's network, which holds the average after every round
     * @param workers         parallel workers
     * @param epochs          the training epochs it fits (their partitions and DataSet records)
     * @param iterationCount  iterations already trained (a resumed run's)
     */
    Dl4jAveraging(JavaSparkContext sc, MultiLayerNetwork network, TrainingConfig training, int workers,
                  TrainingEpochs epochs, int iterationCount, boolean timed) {
        super(training, workers, epochs.partitionExamples());
        int dataSetExamples = epochs.dataSetExamples();
        this.master = new ParameterAveragingTrainingMaster.Builder(workers, dataSetExamples)
                .batchSizePerWorker(training.batchSizePerWorker())
                .averagingFrequency(training.averagingPeriod())
                .workerPrefetchNumBatches(training.prefetch())
                .saveUpdater(true)
                .rngSeed(training.seed())
                .repartionData(Repartition.NumPartitionsWorkersDiffers)
                .rddTrainingApproach(training.approach() == TrainingApproach.EXPORT
                        ? RDDTrainingApproach.Export : RDDTrainingApproach.Direct)
                .storageLevel(STORAGE_LEVEL)
                .collectTrainingStats(timed)
                .build();
        master.setIterationCount(iterationCount);
        this.spark = new SparkDl4jMultiLayer(sc, network, master);
        this.stats = timed ? Optional.of(new TrainingStatsReader(master::getTrainingStats)) : Optional.empty();
    }

    /** dl4j-spark averages out of sight: the round reports no drift. */
    @Override
    protected RoundMetrics round(JavaRDD<DataSet> data, int epoch, int round, long examples) {
        long start = System.nanoTime();
        spark.fit(data);
        // dl4j-spark's master persists what it fits; each round's data is used once.
        data.unpersist(false);
        double wall = (System.nanoTime() - start) / 1e9;
        return new RoundMetrics(epoch, round, wall, spark.getScore(), examples, stats.map(s -> s.next(wall)),
                Optional.empty());
    }

    @Override
    public int iterationCount() {
        return master.getIterationCount();
    }

    @Override
    public void close() {
        master.deleteTempFiles(spark.getSparkContext());
    }
}
