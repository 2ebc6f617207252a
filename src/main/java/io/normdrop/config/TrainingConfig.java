package io.normdrop.config;

import com.typesafe.config.Config;

/**
 * Distributed training with parameter averaging: the values of the keys under {@code training},
 * declared below.
 */
public record TrainingConfig(int epochs, long seed, UpdaterSpec updater, double l2, int workers,
                             int batchSizePerWorker, int averagingPeriod, int prefetch,
                             TrainingApproach approach, TrainingMasterKind master, int threadsPerWorker,
                             int reshuffleEvery, AveragingSpec averaging, int checkpointEveryRounds,
                             EarlyStopping earlyStopping) {
    /**
     * Early stopping ({@code training.earlyStopping}): training stops after {@code patience} epochs in
     * which the validation metric did not improve by more than {@code minDelta}, and the run keeps the
     * best epoch's network.
     *
     * @param metric   what is watched: validation loss (lower is better) or accuracy (higher); none: off
     * @param patience epochs without improvement before training stops
     * @param minDelta the least change that counts as an improvement
     */
    public record EarlyStopping(Metric metric, int patience, double minDelta) {
        public enum Metric implements JobFileName {
            NONE, VALIDATION_LOSS, VALIDATION_ACCURACY
        }

        static final Key<Metric> METRIC = Key.oneOf("training.earlyStopping.metric", Metric.class, Metric.NONE, """
                none: train every epoch | validation-loss (lower is better) | validation-accuracy (higher is \
                better): stop after patience epochs without an improvement of more than minDelta, and keep the \
                best epoch's network as the run's model (model.zip, model-inference.zip, published/); the test \
                set is then evaluated once more on it. Needs a validation set (data.validation). Keras's \
                EarlyStopping(restore_best_weights = true).""");
        static final Key<Integer> PATIENCE = Key.integer("training.earlyStopping.patience", 3,
                "Epochs without improvement before training stops.", Rules.atLeast(1));
        static final Key<Double> MIN_DELTA = Key.number("training.earlyStopping.minDelta", 0.0001,
                "The least change of the metric that counts as an improvement (absolute; scikit-learn's tol).",
                Rules.nonNegative());

        /** No early stopping. */
        public static final EarlyStopping OFF = new EarlyStopping(Metric.NONE, PATIENCE.defaultValue(),
                MIN_DELTA.defaultValue());

        public EarlyStopping {
            METRIC.check(metric);
            PATIENCE.check(patience);
            MIN_DELTA.check(minDelta);
        }

        public boolean enabled() {
            return metric != Metric.NONE;
        }

        static EarlyStopping from(Config c) {
            return new EarlyStopping(METRIC.read(c), PATIENCE.read(c), MIN_DELTA.read(c));
        }
    }

    /** The most epochs {@code training.epochs = 0} (auto) trains. */
    public static final int AUTO_EPOCHS = 200;
    /** The validation set {@code training.epochs = 0} holds out when the job gives none. */
    public static final double AUTO_VALIDATION = 0.1;

    static final Key<Integer> EPOCHS = Key.integer("training.epochs", 0, """
            Passes over the training set. 0: auto: up to 200, stopped early when the validation loss has not \
            improved for training.earlyStopping.patience epochs (keeping the best epoch), with 10 % of the \
            training data held out as the validation set when data.validation gives none (as scikit-learn's \
            and Keras's early stopping do). A number trains exactly that many epochs, unless \
            training.earlyStopping says otherwise.""", Rules.atLeast(0));
    static final Key<Long> SEED = Key.whole("training.seed", 42,
            "Seeds weight init, dropout masks and the order of the data in every epoch.");
    static final Key<Double> L2 = Key.number("training.l2", 0.0,
            "L2 weight decay on the weights (on v for weight-norm layers; never on gains or biases).",
            Rules.nonNegative());
    static final Key<Integer> WORKERS = Key.integer("training.workers", 0,
            "Parallel workers (data partitions per averaging round); 0 uses Spark's default parallelism.",
            Rules.atLeast(0));
    static final Key<Integer> BATCH_SIZE_PER_WORKER = Key.integer("training.batchSizePerWorker", 64,
            "Minibatch size each worker fits.", Rules.atLeast(1));
    static final Key<Integer> AVERAGING_PERIOD = Key.integer("training.averagingPeriod", 10, """
            The averaging period: minibatches each worker fits between parameter averages. Lower: closer to \
            one-machine training, but more time broadcasting and collecting parameters; higher: faster, but the \
            workers drift apart, which costs accuracy (every run's metrics show the drift). training.averaging can \
            average more often in the first epochs. Formerly training.averagingFrequency (still accepted).""",
            Rules.atLeast(1));
    static final Key<Integer> PREFETCH = Key.integer("training.prefetch", 2,
            "Minibatches each worker loads ahead of fitting: parameter-averaging master; allreduce master when a "
                    + "worker has a core its fitting leaves free (spark.task.cpus, or in local mode its share of the "
                    + "cores, above training.threadsPerWorker), on a thread of its own. 0 disables prefetching.",
            Rules.atLeast(0));
    static final Key<TrainingApproach> APPROACH = Key.oneOf("training.approach", TrainingApproach.class,
            TrainingApproach.DIRECT, """
            How minibatches reach the workers: direct (from the cached RDD; works anywhere) or export \
            (serialized to a directory first; needs a file system all workers share; parameter-averaging \
            master only).""");
    static final Key<TrainingMasterKind> MASTER = Key.oneOf("training.master", TrainingMasterKind.class,
            TrainingMasterKind.ALLREDUCE, """
            Who averages the workers: allreduce (Normdrop's: one Spark barrier stage per epoch, every worker \
            keeps its shard of the data and its network, and the workers average among themselves through \
            Spark's block managers; needs a slot for every worker at once and no dynamic allocation), \
            resident (the driver averages after every round, each round a Spark job; the data is reshuffled \
            across the workers every epoch) or parameter-averaging (dl4j-spark's \
            ParameterAveragingTrainingMaster, which rebuilds every worker's network each round; offers \
            approach = export).""");
    static final Key<Integer> THREADS_PER_WORKER = Key.integer("training.threadsPerWorker", 0, """
            ND4J and BLAS threads per worker with the allreduce and resident masters; 0: the cores Spark gives a task \
            (spark.task.cpus, default 1), or in local mode the JVM's cores shared by the workers (local[2] \
            with 2 workers: 1 thread each).""", Rules.atLeast(0));
    static final Key<Integer> RESHUFFLE_EVERY = Key.integer("training.reshuffleEvery", 0, """
            allreduce master: epochs between global reshuffles, which deal the training examples anew to the \
            workers (one Spark shuffle, about 1 s per epoch for Fashion-MNIST on 2 cores); in the other epochs \
            each worker reshuffles its own shard. 0: deal once for the whole run (Fashion-MNIST, 15 epochs: \
            0.8916 test accuracy, against 0.8895 reshuffling every epoch).""", Rules.atLeast(0));
    static final Key<Integer> CHECKPOINT_EVERY_ROUNDS = Key.integer("training.checkpoint.everyRounds", 0, """
            allreduce master: also checkpoint inside an epoch, after every this many averaging rounds, so that \
            --resume continues a killed driver's epoch after its last such round rather than from the epoch's \
            start. The workers write it into the run's working directory (on a cluster: output.dir must be on a \
            file system every executor reaches, such as HDFS): each its progress, the first the averaged parameters \
            and updater state. Needs training.averaging.updaterState = average or reset. 0: checkpoints at the end \
            of every epoch only. May change on --resume.""", Rules.atLeast(0));

    public TrainingConfig {
        EPOCHS.check(epochs);
        SEED.check(seed);
        if (updater == null) {
            throw new ConfigException("training.updater", "is required");
        }
        L2.check(l2);
        WORKERS.check(workers);
        BATCH_SIZE_PER_WORKER.check(batchSizePerWorker);
        AVERAGING_PERIOD.check(averagingPeriod);
        PREFETCH.check(prefetch);
        APPROACH.check(approach);
        MASTER.check(master);
        if (approach == TrainingApproach.EXPORT && master != TrainingMasterKind.PARAMETER_AVERAGING) {
            throw ConfigException.invalid(APPROACH.path(), "export", "export needs training.master = parameter-averaging (the "
                    + master.jobName() + " master reads the RDD directly)");
        }
        THREADS_PER_WORKER.check(threadsPerWorker);
        RESHUFFLE_EVERY.check(reshuffleEvery);
        if (averaging == null) {
            throw new ConfigException("training.averaging", "is required (AveragingSpec.DEFAULT for today's averaging)");
        }
        if (averaging.warmupEpochs() > 0 && master != TrainingMasterKind.ALLREDUCE) {
            throw ConfigException.invalid(AveragingSpec.WARMUP_EPOCHS.path(), averaging.warmupEpochs(), "a warm-up "
                    + "schedule needs training.master = allreduce (the " + master.jobName() + " master cuts every epoch "
                    + "into rounds of one size)");
        }
        if (averaging.updaterState() != AveragingSpec.UpdaterState.AVERAGE && master == TrainingMasterKind.PARAMETER_AVERAGING) {
            throw ConfigException.invalid(AveragingSpec.UPDATER_STATE.path(), averaging.updaterState().jobName(),
                    "needs training.master = allreduce or resident (dl4j-spark's master always averages the updater state)");
        }
        CHECKPOINT_EVERY_ROUNDS.check(checkpointEveryRounds);
        if (earlyStopping == null) {
            throw new ConfigException("training.earlyStopping", "is required (EarlyStopping.OFF for none)");
        }
        if (checkpointEveryRounds > 0 && master != TrainingMasterKind.ALLREDUCE) {
            throw ConfigException.invalid(CHECKPOINT_EVERY_ROUNDS.path(), checkpointEveryRounds, "needs training.master "
                    + "= allreduce (the " + master.jobName() + " master checkpoints at the end of every epoch only)");
        }
        if (checkpointEveryRounds > 0 && averaging.updaterState() == AveragingSpec.UpdaterState.LOCAL) {
            throw ConfigException.invalid(CHECKPOINT_EVERY_ROUNDS.path(), checkpointEveryRounds, "needs "
                    + "training.averaging.updaterState = average or reset (with local, every worker's updater state is "
                    + "its own and not checkpointed inside an epoch)");
        }
    }

    /** The same settings with another master, validated again. */
    public TrainingConfig withMaster(TrainingMasterKind other) {
        return new TrainingConfig(epochs, seed, updater, l2, workers, batchSizePerWorker, averagingPeriod, prefetch,
                approach, other, threadsPerWorker, reshuffleEvery, averaging, checkpointEveryRounds, earlyStopping);
    }

    /**
     * The settings {@code training.epochs = 0} (auto) stands for: up to {@value #AUTO_EPOCHS} epochs
     * with early stopping on validation loss unless the job chose another metric.
     */
    TrainingConfig withAutoEpochs() {
        EarlyStopping stop = earlyStopping.enabled() ? earlyStopping
                : new EarlyStopping(EarlyStopping.Metric.VALIDATION_LOSS, earlyStopping.patience(), earlyStopping.minDelta());
        return new TrainingConfig(AUTO_EPOCHS, seed, updater, l2, workers, batchSizePerWorker, averagingPeriod, prefetch,
                approach, master, threadsPerWorker, reshuffleEvery, averaging, checkpointEveryRounds, stop);
    }

    /** Whether anything watches a validation set: early stopping or the plateau schedule. */
    public boolean watchesValidation() {
        return earlyStopping.enabled() || updater.schedule().type() == UpdaterSpec.Schedule.Type.PLATEAU;
    }

    /** Minibatches each worker fits between averagings in 1-based {@code epoch}. */
    public int averagingPeriod(int epoch) {
        return averaging.period(epoch, averagingPeriod);
    }

    static TrainingConfig from(Config c) {
        return new TrainingConfig(EPOCHS.read(c), SEED.read(c), UpdaterSpec.from(c), L2.read(c), WORKERS.read(c),
                BATCH_SIZE_PER_WORKER.read(c), AVERAGING_PERIOD.read(c), PREFETCH.read(c), APPROACH.read(c),
                MASTER.read(c), THREADS_PER_WORKER.read(c), RESHUFFLE_EVERY.read(c), AveragingSpec.from(c),
                CHECKPOINT_EVERY_ROUNDS.read(c), EarlyStopping.from(c));
    }
}
