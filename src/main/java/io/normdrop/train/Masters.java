package io.normdrop.train;

import io.normdrop.config.ConfigException;
import io.normdrop.config.TrainingConfig;
import io.normdrop.config.TrainingMasterKind;
import io.normdrop.data.ReshuffledEpochs;
import io.normdrop.data.ShardedEpochs;
import io.normdrop.data.StreamedEpochs;
import io.normdrop.data.TrainingEpochs;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.IOException;
import java.util.Optional;

/**
 * The one place that knows the three masters ({@code training.master}): it cuts the training
 * epochs each expects and builds its {@link Averaging}, so that {@link SparkTrainer} trains
 * through the interface alone. {@code allreduce}: one shard per worker for the whole epoch, kept
 * on the executors ({@link ShardedEpochs}) or streamed when the data was not loaded into memory
 * ({@link StreamedEpochs}); {@code resident} and {@code parameter-averaging}: the epoch reshuffled
 * into one partition per worker and round ({@link ReshuffledEpochs}).
 */
final class Masters {
    private final JavaSparkContext sc;
    private final TrainingConfig training;
    private final int workers;
    private final boolean timed;
    private final RoundCheckpoints checkpoints;

    /**
     * @param workers     parallel workers
     * @param timed       whether every round's time is split by activity
     * @param checkpoints where allreduce workers checkpoint inside epochs
     */
    Masters(JavaSparkContext sc, TrainingConfig training, int workers, boolean timed, RoundCheckpoints checkpoints) {
        this.sc = sc;
        this.training = training;
        this.workers = workers;
        this.timed = timed;
        this.checkpoints = checkpoints;
    }

    /** The training epochs the job's master trains on. */
    TrainingEpochs epochs(TrainingInputs inputs) {
        int batch = inputs.batchSize();
        return switch (training.master()) {
            case ALLREDUCE -> inputs.train().kept()
                    ? new ShardedEpochs(inputs.train(), workers, batch, training.seed(), training.reshuffleEvery(),
                    inputs.scaler())
                    : new StreamedEpochs(inputs.train(), workers, batch, training.seed(), inputs.shuffleBuffer(),
                    inputs.scaler());
            case RESIDENT, PARAMETER_AVERAGING -> new ReshuffledEpochs(inputs.train(),
                    RoundByRound.partitions(training, workers, inputs.train().count()), batch, training.seed(),
                    inputs.scaler());
        };
    }

    /**
     * The job's master, averaging into {@code network} as it trains {@code epochs}.
     *
     * @param iterationCount iterations already trained (a resumed run's)
     */
    Averaging averaging(MultiLayerNetwork network, TrainingEpochs epochs, int iterationCount) {
        requireSlots(sc, training);
        return switch (training.master()) {
            case ALLREDUCE -> new AllReduceAveraging(resident(network), training, epochs.partitionExamples(), readAhead(),
                    checkpoints);
            case RESIDENT -> new ResidentAveraging(resident(network), training, workers, epochs.partitionExamples());
            case PARAMETER_AVERAGING -> new Dl4jAveraging(sc, network, training, workers, epochs, iterationCount, timed);
        };
    }

    private ResidentRun resident(MultiLayerNetwork network) {
        return new ResidentRun(sc, network, training.batchSizePerWorker(), threadsPerWorker(), timed,
                training.averaging().updaterState());
    }

    /**
     * The round checkpoint to continue from inside {@code epoch}, if the allreduce workers wrote
     * one that fits this run (the same number of workers), for a network like {@code network}
     * trained on {@code examples} examples; the other masters checkpoint between epochs only.
     */
    Optional<RoundContinuation> roundCheckpoint(int epoch, long examples, MultiLayerNetwork network) throws IOException {
        if (training.master() != TrainingMasterKind.ALLREDUCE || epoch > training.epochs()) {
            return Optional.empty();
        }
        // The allreduce masters' shares differ by at most one example.
        long[] most = {(examples + workers - 1) / workers};
        float[] updater = ResidentNetworks.updaterState(network);
        return checkpoints.latest(epoch, workers, AllReduceAveraging.rounds(training, most, epoch),
                (int) network.params().length(), updater == null ? 0 : updater.length, ParamLayout.of(network).tensors());
    }

    /** Drops the round checkpoints of {@code epoch} and before: the epoch's own checkpoint holds its end. */
    void epochCheckpointed(int epoch) throws IOException {
        checkpoints.dropThrough(epoch);
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

    /**
     * ND4J/BLAS threads per worker: {@code training.threadsPerWorker}, else the cores Spark gives a
     * task ({@code spark.task.cpus}); in local mode the JVM's cores shared by the workers.
     */
    private int threadsPerWorker() {
        return training.threadsPerWorker() > 0 ? training.threadsPerWorker() : Math.max(1, coresPerWorker());
    }

    /** The cores a worker's task has: {@code spark.task.cpus}, or in local mode its share of the JVM's. */
    private int coresPerWorker() {
        return sc.isLocal() ? Runtime.getRuntime().availableProcessors() / workers : sc.getConf().getInt("spark.task.cpus", 1);
    }

    /**
     * Minibatches an allreduce worker reads ahead on a thread of its own: {@code training.prefetch}
     * when the worker has a core its fitting leaves free (its task's cores, or in local mode its
     * share of the JVM's, beyond its ND4J threads), else 0. Measured on 2 cores with 2 workers, a
     * reading thread without a core of its own cost 5-11 % of the epoch: it halved the waits for
     * data but slowed fitting more.
     */
    private int readAhead() {
        return coresPerWorker() > threadsPerWorker() ? training.prefetch() : 0;
    }
}
