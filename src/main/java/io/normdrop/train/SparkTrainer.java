package io.normdrop.train;

import io.normdrop.config.TrainingApproach;
import io.normdrop.config.TrainingConfig;
import io.normdrop.metrics.EpochMetrics;
import io.normdrop.metrics.MetricsSink;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;

/**
 * Trains a network on Spark with dl4j-spark's {@link ParameterAveragingTrainingMaster}: the
 * driver initializes the parameters, workers fit {@code averagingFrequency} minibatches each,
 * the driver averages parameters and updater state, and so on over the data; after every epoch
 * the test set is evaluated on the cluster and the epoch's metrics go to the sink.
 */
public final class SparkTrainer {
    /**
     * How the trainer caches the training and test minibatches across epochs. Serialized, as
     * dl4j-spark's own default: DL4J closes a DataSet's off-heap arrays once it has fitted it,
     * so a deserialized cache would hand freed memory to the next epoch (seen here as "Op.Z
     * argument was closed" and as SIGSEGV). dl4j-spark's master persists the training RDD
     * itself and is set to the same level.
     */
    static final StorageLevel STORAGE_LEVEL = StorageLevel.MEMORY_ONLY_SER();

    private final JavaSparkContext sc;
    private final TrainingConfig training;
    private final int workers;

    /**
     * @param sc       the Spark context (not stopped by the trainer)
     * @param training the job's training settings
     */
    public SparkTrainer(JavaSparkContext sc, TrainingConfig training) {
        this.sc = sc;
        this.training = training;
        this.workers = training.workers() > 0 ? training.workers() : sc.defaultParallelism();
    }

    /** Workers used: {@code training.workers}, or Spark's default parallelism when that is 0. */
    public int workers() {
        return workers;
    }

    /** The trained network and what each epoch measured. */
    public record Result(MultiLayerNetwork network, List<EpochMetrics> epochs, Evaluation evaluation) {
    }

    /**
     * The training master for this job, set up as Normdrop needs it: updater state kept across
     * averaging rounds (dl4j-spark's default drops it), prefetching on, repartitioning only when
     * the partition count differs from the worker count, a fixed seed for the data splits.
     *
     * @param dataSetExamples examples in each DataSet record of the training RDD
     */
    public ParameterAveragingTrainingMaster trainingMaster(int dataSetExamples) {
        return new ParameterAveragingTrainingMaster.Builder(workers, dataSetExamples)
                .batchSizePerWorker(training.batchSizePerWorker())
                .averagingFrequency(training.averagingFrequency())
                .workerPrefetchNumBatches(training.prefetch())
                .saveUpdater(true)
                .rngSeed(training.seed())
                .repartionData(Repartition.NumPartitionsWorkersDiffers)
                .rddTrainingApproach(training.approach() == TrainingApproach.EXPORT
                        ? RDDTrainingApproach.Export : RDDTrainingApproach.Direct)
                .storageLevel(STORAGE_LEVEL)
                .collectTrainingStats(false)
                .build();
    }

    /**
     * Trains for {@code training.epochs} epochs.
     *
     * @param conf            the network
     * @param train           training minibatches; cached here for the run
     * @param trainExamples   examples in {@code train}
     * @param dataSetExamples examples per DataSet record in {@code train}
     * @param test            test minibatches; cached here for the run
     * @param sink            receives each epoch's metrics
     */
    public Result fit(MultiLayerConfiguration conf, JavaRDD<DataSet> train, long trainExamples, int dataSetExamples,
                      JavaRDD<DataSet> test, MetricsSink sink) {
        ParameterAveragingTrainingMaster master = trainingMaster(dataSetExamples);
        MultiLayerNetwork network = new MultiLayerNetwork(conf);
        network.init();
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, network, master);
        List<EpochMetrics> epochs = new ArrayList<>();
        Evaluation evaluation = null;
        long start = System.nanoTime();
        train.persist(STORAGE_LEVEL);
        test.persist(STORAGE_LEVEL);
        try {
            for (int epoch = 1; epoch <= training.epochs(); epoch++) {
                long epochStart = System.nanoTime();
                spark.fit(train);
                double trainSeconds = (System.nanoTime() - epochStart) / 1e9;
                double trainLoss = spark.getScore();
                // Evaluate a copy: in local mode dl4j-spark's evaluation functions close the
                // broadcast parameters, which there are the driver network's own arrays.
                SparkDl4jMultiLayer snapshot = new SparkDl4jMultiLayer(sc, spark.getNetwork().clone(), master);
                evaluation = snapshot.evaluate(test);
                double testLoss = snapshot.calculateScore(test, true);
                double elapsed = (System.nanoTime() - start) / 1e9;
                double remaining = elapsed / epoch * (training.epochs() - epoch);
                EpochMetrics m = new EpochMetrics(epoch, training.epochs(), trainLoss, testLoss, evaluation.accuracy(),
                        trainExamples, trainSeconds, trainExamples / trainSeconds, elapsed, remaining);
                epochs.add(m);
                sink.epoch(m);
            }
        } finally {
            master.deleteTempFiles(sc);
            train.unpersist(false);
            test.unpersist(false);
        }
        return new Result(spark.getNetwork(), List.copyOf(epochs), evaluation);
    }
}
