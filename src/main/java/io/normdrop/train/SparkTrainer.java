package io.normdrop.train;

import io.normdrop.config.ConfigException;
import io.normdrop.config.TrainingApproach;
import io.normdrop.config.TrainingConfig;
import io.normdrop.config.TrainingMasterKind;
import io.normdrop.data.DataSets;
import io.normdrop.data.ReshuffledEpochs;
import io.normdrop.data.ShardedEpochs;
import io.normdrop.data.StreamedEpochs;
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
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import scala.runtime.AbstractFunction1;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Trains a network on Spark with parameter averaging. The trainer owns the epoch plan: every
 * epoch the training examples are reshuffled into partitions of one worker's share of one round
 * ({@code batchSizePerWorker x averagingFrequency} examples, sizes differing by at most one), and
 * the rounds take {@code workers} partitions at a time; an {@link Averaging} fits each round. After
 * every epoch the test set is evaluated on the cluster and the epoch's metrics go to the sink.
 */
public final class SparkTrainer {
    /**
     * How the test minibatches are cached across epochs: serialized, because DL4J closes a
     * DataSet's off-heap arrays once it has used it, so a deserialized cache would hand freed
     * memory to the next epoch.
     */
    private static final StorageLevel TEST_STORAGE = StorageLevel.MEMORY_ONLY_SER();

    private final JavaSparkContext sc;
    private final TrainingConfig training;
    private final int workers;
    private final boolean timed;
    private final RoundCheckpoints checkpoints;

    /**
     * @param sc       the Spark context (not stopped by the trainer)
     * @param training the job's training settings
     * @param timed    whether every round's time is split by activity ({@code metrics.trainingStats})
     */
    public SparkTrainer(JavaSparkContext sc, TrainingConfig training, boolean timed) {
        this(sc, training, timed, RoundCheckpoints.NONE);
    }

    /** A trainer whose allreduce workers also checkpoint inside epochs, to {@code checkpoints}. */
    public SparkTrainer(JavaSparkContext sc, TrainingConfig training, boolean timed, RoundCheckpoints checkpoints) {
        this.sc = sc;
        this.training = training;
        this.workers = training.workers() > 0 ? training.workers() : sc.defaultParallelism();
        this.timed = timed;
        this.checkpoints = checkpoints;
    }

    /**
     * Refuses more allreduce workers than local mode has task slots: a barrier stage runs all its
     * tasks at once, and Spark would wait for slots that never come. (On a cluster, executors
     * may still be starting; Spark itself refuses a barrier stage that cannot fit.)
     */
    static void requireSlots(JavaSparkContext sc, TrainingConfig training) {
        if (training.master() == TrainingMasterKind.ALLREDUCE && sc.isLocal() && training.workers() > sc.defaultParallelism()) {
            throw new ConfigException("training.workers", "is " + training.workers() + ", but the allreduce master runs every "
                    + "worker at once and " + sc.master() + " has only " + sc.defaultParallelism() + " task slots");
        }
    }

    /** Workers used: {@code training.workers}, or Spark's default parallelism when that is 0. */
    public int workers() {
        return workers;
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

    /**
     * Minibatches an allreduce worker reads ahead on a thread of its own: {@code training.prefetch}
     * when the worker has a core its fitting leaves free (its task's cores, or in local mode its
     * share of the JVM's, beyond its ND4J threads), else 0. Measured on 2 cores with 2 workers, a
     * reading thread without a core of its own cost 5-11 % of the epoch: it halved the waits for
     * data but slowed fitting more.
     */
    int readAhead() {
        int cores = sc.isLocal() ? Runtime.getRuntime().availableProcessors() / workers
                : sc.getConf().getInt("spark.task.cpus", 1);
        return cores > threadsPerWorker() ? training.prefetch() : 0;
    }

    /** The trained network and what each epoch measured (from the start epoch on). */
    public record Result(MultiLayerNetwork network, List<EpochMetrics> epochs, Evaluation evaluation) {
    }

    /**
     * Where training starts: epoch 1 of a fresh network, the epoch after a checkpoint, or inside
     * it after a round checkpoint.
     *
     * @param epoch          1-based epoch to train first
     * @param iterationCount minibatch iterations already trained (the updater's own count travels
     *                       in the network's configuration)
     * @param within         where the first epoch continues (the network holds its state), if not from its start
     */
    public record Start(int epoch, int iterationCount, Optional<RoundContinuation> within) {
        public static final Start FRESH = new Start(1, 0, Optional.empty());
    }

    /**
     * The round checkpoint to continue from inside {@code epoch}, if the workers wrote one that
     * fits this run (the same number of workers), for a network like {@code network} trained on
     * {@code examples} examples.
     */
    public Optional<RoundContinuation> roundCheckpoint(int epoch, long examples, MultiLayerNetwork network)
            throws IOException {
        if (training.master() != TrainingMasterKind.ALLREDUCE || epoch > training.epochs()) {
            return Optional.empty();
        }
        // The allreduce masters' shares differ by at most one example.
        long[] most = {(examples + workers - 1) / workers};
        float[] updater = ResidentNetworks.updaterState(network);
        return checkpoints.latest(epoch, workers, roundsPerEpoch(most, epoch), (int) network.params().length(),
                updater == null ? 0 : updater.length, ParamLayout.of(network).tensors());
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
        void after(int epoch, MultiLayerNetwork network, int iterationCount) throws IOException;
    }

    /** Trains a fresh network for {@code training.epochs} epochs on the prepared data. */
    public Result fit(MultiLayerNetwork network, TrainingInputs inputs, MetricsSink sink) {
        return fit(network, inputs, sink, Start.FRESH, EpochEnd.NONE);
    }

    /**
     * Trains from {@code start.epoch} to {@code training.epochs}, calling {@code epochEnd} after
     * each epoch (after its metrics are published).
     *
     * @param network the initialized network to train (trained in place on the driver)
     * @throws TrainingDivergedException as soon as a round's training loss or an epoch's test
     *                                   loss is NaN or infinite
     */
    public Result fit(MultiLayerNetwork network, TrainingInputs inputs, MetricsSink sink, Start start,
                      EpochEnd epochEnd) {
        int batch = inputs.batchSize();
        JavaRDD<DataSet> test = DataSets.inOrder(inputs.test(), batch, inputs.scaler());
        if (training.master() == TrainingMasterKind.ALLREDUCE && !inputs.train().kept()) {
            return fit(network, new StreamedEpochs(inputs.train(), workers, batch, training.seed(), inputs.shuffleBuffer(),
                    inputs.scaler()), test, sink, start, epochEnd);
        }
        if (training.master() == TrainingMasterKind.ALLREDUCE) {
            try (ShardedEpochs shards = new ShardedEpochs(inputs.train(), workers, batch, training.seed(),
                    training.reshuffleEvery(), inputs.scaler())) {
                return fit(network, shards, test, sink, start, epochEnd);
            }
        }
        TrainingEpochs epochs = new ReshuffledEpochs(inputs.train(), partitions(inputs.train().count()), batch,
                training.seed(), inputs.scaler());
        return fit(network, epochs, test, sink, start, epochEnd);
    }

    /** Trains on minibatches cut elsewhere, every epoch's in {@link #partitions} partitions (tests). */
    Result fit(MultiLayerNetwork network, TrainingEpochs train, JavaRDD<DataSet> test, MetricsSink sink, Start start,
               EpochEnd epochEnd) {
        long trainExamples = train.examples();
        int classes = (int) network.layerSize(network.getnLayers() - 1);
        List<EpochMetrics> epochs = new ArrayList<>();
        Evaluation evaluation = null;
        long startNanos = System.nanoTime();
        test.persist(TEST_STORAGE);
        long[] partitionExamples = train.partitionExamples();
        sink.partitions(Arrays.stream(partitionExamples).boxed().toList());
        boolean allReduce = training.master() == TrainingMasterKind.ALLREDUCE;
        requireSlots(sc, training);
        try (Averaging averaging = allReduce ? null : averaging(network, train.dataSetExamples(), start);
             AllReduceAveraging workersAverage = allReduce
                     ? new AllReduceAveraging(sc, network, training.batchSizePerWorker(), threadsPerWorker(), timed,
                     training.averaging().updaterState(), readAhead(), checkpoints)
                     : null) {
            for (int epoch = start.epoch(); epoch <= training.epochs(); epoch++) {
                long epochStart = System.nanoTime();
                // The updater's schedule counts epochs from 0; the workers' networks take the count from here.
                network.getLayerWiseConfigurations().setEpochCount(epoch - 1);
                JavaRDD<DataSet> batches = train.epoch(epoch);
                TimeBreakdown time = timed ? TimeBreakdown.ZERO : null;
                if (time != null && train instanceof ShardedEpochs shards) {
                    time = time.plus(new TimeBreakdown(0, 0, 0, shards.dealSeconds(), 0, 0));
                }
                List<RoundMetrics> rounds = allReduce
                        ? workersAverage.fit(batches, roundsPerEpoch(partitionExamples, epoch), training.averagingEvery(epoch),
                        epoch, epoch == start.epoch() ? start.within().orElse(null) : null)
                        : roundByRound(averaging, batches, epoch, partitionExamples, trainExamples, sink);
                if (allReduce && workersAverage.lastRetry() != null) {
                    sink.retried(workersAverage.lastRetry());
                }
                double lossSum = 0;
                for (RoundMetrics round : rounds) {
                    if (time != null && round.time() != null) {
                        time = time.plus(round.time());
                    }
                    lossSum += round.score();
                    if (allReduce) {
                        sink.round(round);
                    }
                    if (!Double.isFinite(round.score())) {
                        throw new TrainingDivergedException(epoch, "round " + round.round(), "training loss", round.score());
                    }
                }
                double trainSeconds = (System.nanoTime() - epochStart) / 1e9;
                long evalStart = System.nanoTime();
                SparkDl4jMultiLayer evaluator = evaluator(network);
                evaluation = evaluator.evaluate(test);
                double testLoss = evaluator.calculateScore(test, true);
                double evalSeconds = (System.nanoTime() - evalStart) / 1e9;
                double elapsed = (System.nanoTime() - startNanos) / 1e9;
                double remaining = elapsed / (epoch - start.epoch() + 1) * (training.epochs() - epoch);
                List<ClassMetrics> perClass = ClassMetrics.of(evaluation, classes);
                EpochMetrics m = new EpochMetrics(epoch, training.epochs(), lossSum / rounds.size(), testLoss,
                        evaluation.accuracy(), ClassMetrics.macroF1(perClass), perClass, trainExamples, rounds.size(),
                        trainSeconds, evalSeconds, trainExamples / trainSeconds, elapsed, remaining, time);
                epochs.add(m);
                sink.epoch(m);
                if (!Double.isFinite(testLoss)) {
                    throw new TrainingDivergedException(epoch, "on the test set", "test loss", testLoss);
                }
                try {
                    epochEnd.after(epoch, network, allReduce ? workersAverage.iterationCount() : averaging.iterationCount());
                    checkpoints.dropThrough(epoch);
                } catch (IOException e) {
                    throw new UncheckedIOException("checkpoint after epoch " + epoch + " failed: " + e.getMessage(), e);
                }
            }
            if (evaluation == null) {
                // Nothing left to train (resumed after the last epoch): evaluate what there is.
                evaluation = evaluator(network).evaluate(test);
            }
        } finally {
            test.unpersist(false);
        }
        return new Result(network, List.copyOf(epochs), evaluation);
    }

    /**
     * Trains one epoch round by round, each round a Spark job ({@code resident} and
     * {@code parameter-averaging} masters), reporting every round as it ends.
     */
    private List<RoundMetrics> roundByRound(Averaging averaging, JavaRDD<DataSet> batches, int epoch,
                                            long[] partitionExamples, long trainExamples, MetricsSink sink) {
        boolean direct = training.approach() == TrainingApproach.DIRECT;
        List<Set<Integer>> rounds = direct ? rounds(partitionExamples.length) : List.of(Set.of());
        List<RoundMetrics> out = new ArrayList<>();
        for (int r = 0; r < rounds.size(); r++) {
            Set<Integer> ids = rounds.get(r);
            Averaging.Round round = averaging.fit(direct ? prune(batches, ids) : batches);
            long examples = direct ? ids.stream().mapToLong(i -> partitionExamples[i]).sum() : trainExamples;
            RoundMetrics m = new RoundMetrics(epoch, r + 1, round.wallSeconds(), round.loss(), examples, round.time(),
                    round.averaging());
            sink.round(m);
            out.add(m);
            if (!Double.isFinite(round.loss())) {
                break;
            }
        }
        return out;
    }

    /**
     * Rounds of epoch {@code epoch} of the allreduce master: those of the worker with the most
     * minibatches, at the epoch's averaging frequency.
     */
    int roundsPerEpoch(long[] shardExamples, int epoch) {
        long most = Arrays.stream(shardExamples).max().orElse(0);
        long minibatches = (most + training.batchSizePerWorker() - 1) / training.batchSizePerWorker();
        int every = training.averagingEvery(epoch);
        return (int) Math.max(1, (minibatches + every - 1) / every);
    }

    private Averaging averaging(MultiLayerNetwork network, int dataSetExamples, Start start) {
        return training.master() == TrainingMasterKind.RESIDENT
                ? new ResidentAveraging(sc, network, training.batchSizePerWorker(), threadsPerWorker(), timed,
                training.averaging().updaterState())
                : new Dl4jAveraging(sc, network, training, workers, dataSetExamples, start.iterationCount(), timed);
    }

    /**
     * Partitions of each epoch's training data. With the direct approach each partition is one
     * worker's share of one averaging round (about {@code batchSizePerWorker x averagingFrequency}
     * examples), and there are {@code workers} of them per round, so every round keeps every
     * worker busy; with export, one per worker (dl4j-spark splits them into rounds itself).
     */
    int partitions(long examples) {
        if (training.approach() == TrainingApproach.EXPORT) {
            return workers;
        }
        long perRound = (long) workers * training.batchSizePerWorker() * training.averagingFrequency();
        long rounds = Math.max(1, (examples + perRound - 1) / perRound);
        return (int) Math.min(rounds * workers, Math.max(1, examples));
    }

    /**
     * The averaging rounds of an epoch for the direct approach: its partitions, {@code workers} at
     * a time, in order (the data is shuffled per epoch before it is cut into partitions). Each
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
     * dl4j-spark's evaluation of a copy of {@code network}: in local mode its evaluation functions
     * close the broadcast parameters, which there are the driver network's own arrays.
     */
    private SparkDl4jMultiLayer evaluator(MultiLayerNetwork network) {
        return new SparkDl4jMultiLayer(sc, network.clone(), null);
    }
}
