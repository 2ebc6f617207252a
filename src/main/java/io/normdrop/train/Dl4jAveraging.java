package io.normdrop.train;

import io.normdrop.config.TrainingApproach;
import io.normdrop.config.TrainingConfig;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Parameter averaging by dl4j-spark's {@link ParameterAveragingTrainingMaster}, set up as
 * Normdrop needs it: updater state kept across averaging rounds (dl4j-spark's default drops
 * it), prefetching on, repartitioning only when the partition count differs from the worker
 * count, a fixed seed for its data splits; with {@code timed}, dl4j-spark's training statistics
 * turned into each round's time breakdown.
 */
final class Dl4jAveraging implements Averaging {
    /**
     * How dl4j-spark persists what it fits: serialized, as its own default. DL4J closes a
     * DataSet's off-heap arrays once it has fitted it, so a deserialized cache would hand freed
     * memory to the next epoch (seen here as "Op.Z argument was closed" and as SIGSEGV).
     */
    static final StorageLevel STORAGE_LEVEL = StorageLevel.MEMORY_ONLY_SER();

    private final ParameterAveragingTrainingMaster master;
    private final SparkDl4jMultiLayer spark;
    private final TrainingStatsReader stats;

    /**
     * @param network         the driver's network, which holds the average after every round
     * @param workers         parallel workers
     * @param dataSetExamples examples in each DataSet record of the training RDD
     * @param iterationCount  iterations already trained (a resumed run's)
     */
    Dl4jAveraging(JavaSparkContext sc, MultiLayerNetwork network, TrainingConfig training, int workers,
                  int dataSetExamples, int iterationCount, boolean timed) {
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
        this.stats = timed ? new TrainingStatsReader(master::getTrainingStats) : null;
    }

    @Override
    public Round fit(JavaRDD<DataSet> data) {
        long start = System.nanoTime();
        spark.fit(data);
        // dl4j-spark's master persists what it fits; each round's data is used once.
        data.unpersist(false);
        double wall = (System.nanoTime() - start) / 1e9;
        return new Round(spark.getScore(), wall, stats == null ? null : stats.next(wall), null);
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
