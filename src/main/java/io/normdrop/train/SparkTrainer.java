package io.normdrop.train;

import io.normdrop.config.TrainingApproach;
import io.normdrop.config.TrainingConfig;
import io.normdrop.config.TrainingMasterKind;
import io.normdrop.data.TrainingEpochs;
import io.normdrop.metrics.ClassMetrics;
import io.normdrop.metrics.EpochMetrics;
import io.normdrop.metrics.MetricsSink;
import io.normdrop.metrics.RoundMetrics;
import io.normdrop.metrics.TimeBreakdown;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.PartitionPruningRDD;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

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
    private final boolean trainingStats;

    /**
     * A trainer without dl4j-spark's training statistics (rounds carry no time breakdown).
     *
     * @param sc       the Spark context (not stopped by the trainer)
     * @param training the job's training settings
     */
    public SparkTrainer(JavaSparkContext sc, TrainingConfig training) {
        this(sc, training, false);
    }

    private SparkTrainer(JavaSparkContext sc, TrainingConfig training, boolean trainingStats) {
        this.sc = sc;
        this.training = training;
        this.workers = training.workers() > 0 ? training.workers() : sc.defaultParallelism();
        this.trainingStats = trainingStats;
    }

    /**
     * The same trainer, collecting dl4j-spark's training statistics so that every round's
     * metrics split its time into broadcast, fit, aggregation, repartition and export.
     */
    public SparkTrainer withTrainingStats() {
        return new SparkTrainer(sc, training, true);
    }

    /**
     * ND4J/BLAS threads per worker: {@code training.threadsPerWorker}, else the cores Spark gives a
     * task ({@code spark.task.cpus}); in local mode the JVM's cores shared by the workers.
     */
    private int threadsPerWorker() {
        if (training.threadsPerWorker() > 0) {
            return training.threadsPerWorker();
        }
        return sc.isLocal() ? Math.max(1, Runtime.getRuntime().availableProcessors() / workers)
                : sc.getConf().getInt("spark.task.cpus", 1);
    }

    /** Workers used: {@code training.workers}, or Spark's default parallelism when that is 0. */
    public int workers() {
        return workers;
    }

    /** The trained network and what each epoch measured (from the start epoch on). */
    public record Result(MultiLayerNetwork network, List<EpochMetrics> epochs, Evaluation evaluation) {
    }

    /**
     * Where training starts: epoch 1 of a fresh network, or the epoch after a checkpoint.
     *
     * @param epoch          1-based epoch to train first
     * @param iterationCount minibatch iterations already trained, as dl4j-spark's master counts them
     *                       (the updater's own count travels in the network's configuration)
     */
    public record Start(int epoch, int iterationCount) {
        public static final Start FRESH = new Start(1, 0);
    }

    /** Called after every epoch with the network as trained so far, e.g. to save a checkpoint. */
    @FunctionalInterface
    public interface EpochEnd {
        EpochEnd NONE = (epoch, network, iterationCount) -> {
        };

        /**
         * @param epoch          the epoch just finished
         * @param network        the driver's network (do not modify)
         * @param iterationCount iterations trained so far, for {@link Start}
         */
        void after(int epoch, MultiLayerNetwork network, int iterationCount) throws java.io.IOException;
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
                .collectTrainingStats(trainingStats)
                .build();
    }

    /**
     * Partitions each epoch's training minibatches should have. With the direct approach each
     * partition is one worker's share of one averaging round (about {@code batchSizePerWorker x
     * averagingFrequency} examples), and there are {@code workers} of them per round, so every
     * round keeps every worker busy; with export, one per worker.
     *
     * @param examples training examples
     */
    public int partitions(long examples) {
        if (training.approach() == TrainingApproach.EXPORT) {
            return workers;
        }
        long perRound = (long) workers * training.batchSizePerWorker() * training.averagingFrequency();
        long rounds = Math.max(1, (examples + perRound - 1) / perRound);
        return (int) Math.min(rounds * workers, Math.max(1, examples));
    }

    /**
     * The averaging rounds of an epoch for the direct approach: its partitions, {@code workers}
     * at a time, in order (the data is shuffled per epoch before it is cut into partitions). Each
     * round is a pruned view of the epoch's RDD, so a round computes only its own partitions.
     * (dl4j-spark's own direct approach cuts rounds with a random split, which reads the whole
     * RDD once per round: quadratic in the data size, and its splits can leave a worker nearly
     * idle.)
     */
    List<Set<Integer>> rounds(int partitions) {
        List<Set<Integer>> rounds = new ArrayList<>();
        for (int r = 0; r < partitions; r += workers) {
            rounds.add(new HashSet<>(IntStream.range(r, Math.min(partitions, r + workers)).boxed().toList()));
        }
        return rounds;
    }

    /** The partitions {@code ids} of {@code train}, as an RDD that computes only those. */
    static JavaRDD<DataSet> prune(JavaRDD<DataSet> train, Set<Integer> ids) {
        return new JavaRDD<>(PartitionPruningRDD.create(train.rdd(), new InSet(ids)), train.classTag());
    }

    /** Keeps the partitions whose index is in a set; serializable, as Spark ships the RDD. */
    private static final class InSet extends AbstractFunction1<Object, Object> implements Serializable {
        private final Set<Integer> ids;

        InSet(Set<Integer> ids) {
            this.ids = ids;
        }

        @Override
        public Object apply(Object index) {
            return ids.contains((Integer) index);
        }
    }

    /**
     * Trains for {@code training.epochs} epochs.
     *
     * @param network the initialized network to train (trained in place on the driver)
     * @param train   each epoch's training minibatches, in {@link #partitions} partitions
     * @param test    test minibatches; cached here for the run
     * @param sink    receives each epoch's metrics
     */
    public Result fit(MultiLayerNetwork network, TrainingEpochs train, JavaRDD<DataSet> test, MetricsSink sink) {
        return fit(network, train, test, sink, Start.FRESH, EpochEnd.NONE);
    }

    /**
     * Trains from {@code start.epoch} to {@code training.epochs}, calling {@code epochEnd} after
     * each epoch (after its metrics are published).
     *
     * @throws TrainingDivergedException as soon as a round's training loss or an epoch's test
     *                                   loss is NaN or infinite
     */
    public Result fit(MultiLayerNetwork network, TrainingEpochs train, JavaRDD<DataSet> test, MetricsSink sink,
                      Start start, EpochEnd epochEnd) {
        long trainExamples = train.examples();
        ResidentTrainingMaster resident = training.master() == TrainingMasterKind.RESIDENT
                ? new ResidentTrainingMaster(training.batchSizePerWorker(), threadsPerWorker())
                : null;
        ParameterAveragingTrainingMaster averaging = resident == null ? trainingMaster(train.dataSetExamples()) : null;
        TrainingMaster<?, ?> master = resident != null ? resident : averaging;
        if (averaging != null) {
            averaging.setIterationCount(start.iterationCount());
        }
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, network, master);
        TrainingStatsReader stats = trainingStats && averaging != null
                ? new TrainingStatsReader(averaging::getTrainingStats) : null;
        int classes = (int) network.layerSize(network.getnLayers() - 1);
        List<EpochMetrics> epochs = new ArrayList<>();
        Evaluation evaluation = null;
        long startNanos = System.nanoTime();
        test.persist(STORAGE_LEVEL);
        try {
            boolean direct = training.approach() == TrainingApproach.DIRECT;
            long[] partitionExamples = train.partitionExamples();
            sink.partitions(java.util.Arrays.stream(partitionExamples).boxed().toList());
            for (int epoch = start.epoch(); epoch <= training.epochs(); epoch++) {
                long epochStart = System.nanoTime();
                JavaRDD<DataSet> batches = train.epoch(epoch);
                List<Set<Integer>> rounds = direct ? rounds(partitionExamples.length) : List.of(Set.of());
                double lossSum = 0;
                TimeBreakdown time = stats == null && resident == null ? null : TimeBreakdown.ZERO;
                for (int r = 0; r < rounds.size(); r++) {
                    Set<Integer> ids = rounds.get(r);
                    long roundStart = System.nanoTime();
                    JavaRDD<DataSet> round = direct ? prune(batches, ids) : batches;
                    spark.fit(round);
                    if (averaging != null) {
                        // dl4j-spark's master persists what it fits; each round's data is used once.
                        round.unpersist(false);
                    }
                    double wall = (System.nanoTime() - roundStart) / 1e9;
                    long examples = direct ? ids.stream().mapToLong(i -> partitionExamples[i]).sum() : trainExamples;
                    TimeBreakdown roundTime = resident != null ? resident.lastRound().within(wall)
                            : stats == null ? null : stats.next(wall);
                    if (roundTime != null) {
                        time = time.plus(roundTime);
                    }
                    double score = spark.getScore();
                    lossSum += score;
                    sink.round(new RoundMetrics(epoch, r + 1, wall, score, examples, roundTime));
                    if (!Double.isFinite(score)) {
                        throw new TrainingDivergedException(epoch, "round " + (r + 1), "training loss", score);
                    }
                }
                double trainLoss = lossSum / rounds.size();
                double trainSeconds = (System.nanoTime() - epochStart) / 1e9;
                long evalStart = System.nanoTime();
                // Evaluate a copy: in local mode dl4j-spark's evaluation functions close the
                // broadcast parameters, which there are the driver network's own arrays.
                SparkDl4jMultiLayer snapshot = new SparkDl4jMultiLayer(sc, spark.getNetwork().clone(), master);
                evaluation = snapshot.evaluate(test);
                double testLoss = snapshot.calculateScore(test, true);
                double evalSeconds = (System.nanoTime() - evalStart) / 1e9;
                double elapsed = (System.nanoTime() - startNanos) / 1e9;
                double remaining = elapsed / (epoch - start.epoch() + 1) * (training.epochs() - epoch);
                List<ClassMetrics> perClass = ClassMetrics.of(evaluation, classes);
                EpochMetrics m = new EpochMetrics(epoch, training.epochs(), trainLoss, testLoss, evaluation.accuracy(),
                        ClassMetrics.macroF1(perClass), perClass, trainExamples, rounds.size(), trainSeconds,
                        evalSeconds, trainExamples / trainSeconds, elapsed, remaining, time);
                epochs.add(m);
                sink.epoch(m);
                if (!Double.isFinite(testLoss)) {
                    throw new TrainingDivergedException(epoch, "on the test set", "test loss", testLoss);
                }
                try {
                    epochEnd.after(epoch, spark.getNetwork(), averaging != null ? averaging.getIterationCount()
                            : spark.getNetwork().getLayerWiseConfigurations().getIterationCount());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException("checkpoint after epoch " + epoch + " failed: " + e.getMessage(), e);
                }
            }
            if (evaluation == null) {
                // Nothing left to train (resumed after the last epoch): evaluate what there is.
                evaluation = new SparkDl4jMultiLayer(sc, spark.getNetwork().clone(), master).evaluate(test);
            }
        } finally {
            master.deleteTempFiles(sc);
            test.unpersist(false);
        }
        return new Result(spark.getNetwork(), List.copyOf(epochs), evaluation);
    }
}
