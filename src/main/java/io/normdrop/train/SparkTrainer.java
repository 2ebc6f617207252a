package io.normdrop.train;

import io.normdrop.config.TrainingConfig;
import io.normdrop.data.DataSets;
import io.normdrop.data.TrainingEpochs;
import io.normdrop.metrics.ClassMetrics;
import io.normdrop.metrics.EpochMetrics;
import io.normdrop.metrics.MetricsSink;
import io.normdrop.metrics.RoundMetrics;
import io.normdrop.metrics.RunMetrics;
import io.normdrop.metrics.TimeBreakdown;
import io.normdrop.metrics.WatchState;
import io.normdrop.nn.LearningRates;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Trains a network on Spark with parameter averaging, epoch by epoch: the job's master
 * ({@code training.master}), built once by {@link Masters} with the training epochs cut for it,
 * trains each epoch as an {@link Averaging}; the trainer knows no master by name. After every
 * epoch the test set (and the validation set, when the job has one) is evaluated on the cluster
 * and the epoch's metrics go to the sink; early stopping and the plateau schedule
 * ({@link ValidationWatch}) decide from the validation set whether to go on, which epoch's network
 * to keep and the next epoch's learning rate.
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
    private final Masters masters;

    /**
     * @param sc       the Spark context (not stopped by the trainer)
     * @param training the job's training settings
     * @param timed    whether every round's time is split by activity ({@code metrics.trainingStats})
     */
    public SparkTrainer(JavaSparkContext sc, TrainingConfig training, boolean timed) {
        this(sc, training, timed, RoundCheckpoints.NONE);
    }

    /** A trainer whose master also checkpoints inside epochs (allreduce does), to {@code checkpoints}. */
    public SparkTrainer(JavaSparkContext sc, TrainingConfig training, boolean timed, RoundCheckpoints checkpoints) {
        this.sc = sc;
        this.training = training;
        this.workers = training.workers() > 0 ? training.workers() : sc.defaultParallelism();
        this.timed = timed;
        this.masters = new Masters(sc, training, workers, timed, checkpoints);
    }

    /** Workers used: {@code training.workers}, or Spark's default parallelism when that is 0. */
    public int workers() {
        return workers;
    }

    /**
     * What training produced.
     *
     * @param network    the network the run keeps: the last epoch's, or with early stopping the best one's
     * @param epochs     what each epoch measured (from the start epoch on)
     * @param evaluation the kept network's evaluation on the test set
     * @param stopping   which epoch it is and why training ended
     */
    public record Result(MultiLayerNetwork network, List<EpochMetrics> epochs, Evaluation evaluation,
                         RunMetrics.Stopping stopping) {
    }

    /**
     * Where training starts: epoch 1 of a fresh network, the epoch after a checkpoint, or inside
     * it after a round checkpoint.
     *
     * @param epoch          1-based epoch to train first
     * @param iterationCount minibatch iterations already trained (the updater's own count travels
     *                       in the network's configuration)
     * @param within         where the first epoch continues (the network holds its state), if not from its start
     * @param watch          where early stopping and the plateau schedule stood
     * @param best           the best epoch's network so far, when early stopping kept one before; else null
     */
    public record Start(int epoch, int iterationCount, Optional<RoundContinuation> within, WatchState watch,
                        MultiLayerNetwork best) {
        public static final Start FRESH = new Start(1, 0, Optional.empty(), WatchState.START, null);

        /** A start without early-stopping state (a run that watches no validation set). */
        public Start(int epoch, int iterationCount, Optional<RoundContinuation> within) {
            this(epoch, iterationCount, within, WatchState.START, null);
        }
    }

    /**
     * The round checkpoint to continue from inside {@code epoch}, if the master writes them and
     * one fits this run (the same number of workers), for a network like {@code network} trained
     * on {@code examples} examples.
     */
    public Optional<RoundContinuation> roundCheckpoint(int epoch, long examples, MultiLayerNetwork network)
            throws IOException {
        return masters.roundCheckpoint(epoch, examples, network);
    }

    /** Called after every epoch with the network as trained so far, e.g. to save a checkpoint. */
    @FunctionalInterface
    public interface EpochEnd {
        EpochEnd NONE = (epoch, network, iterationCount, watch) -> {
        };

        /**
         * @param epoch          the epoch just finished
         * @param network        the driver's network (do not modify)
         * @param iterationCount iterations trained so far, for {@link Start}
         * @param watch          where early stopping and the plateau schedule stand, for {@link Start}
         */
        void after(int epoch, MultiLayerNetwork network, int iterationCount, WatchState watch) throws IOException;
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
        Optional<JavaRDD<DataSet>> validation = inputs.validation().map(v -> DataSets.inOrder(v, batch, inputs.scaler()));
        try (TrainingEpochs epochs = masters.epochs(inputs)) {
            return fit(network, epochs, test, validation, sink, start, epochEnd);
        }
    }

    /** Trains on minibatches cut elsewhere, as the job's master expects them (tests). */
    Result fit(MultiLayerNetwork network, TrainingEpochs train, JavaRDD<DataSet> test, MetricsSink sink, Start start,
               EpochEnd epochEnd) {
        return fit(network, train, test, Optional.empty(), sink, start, epochEnd);
    }

    /**
     * @param validation the validation set's minibatches, when the job has one
     */
    Result fit(MultiLayerNetwork network, TrainingEpochs train, JavaRDD<DataSet> test, Optional<JavaRDD<DataSet>> validation,
               MetricsSink sink, Start start, EpochEnd epochEnd) {
        long trainExamples = train.examples();
        int classes = (int) network.layerSize(network.getnLayers() - 1);
        List<EpochMetrics> epochs = new ArrayList<>();
        Evaluation evaluation = null;
        long startNanos = System.nanoTime();
        test.persist(TEST_STORAGE);
        validation.ifPresent(v -> v.persist(TEST_STORAGE));
        ValidationWatch watch = new ValidationWatch(training, start.watch());
        MultiLayerNetwork best = start.best();
        if (!Double.isNaN(watch.nextRate())) {
            LearningRates.set(network, watch.nextRate()); // a resumed run's plateau rate travels in its state
        }
        int trained = start.epoch() - 1;
        long[] partitionExamples = train.partitionExamples();
        sink.partitions(Arrays.stream(partitionExamples).boxed().toList());
        try (Averaging averaging = masters.averaging(network, train, start.iterationCount())) {
            for (int epoch = start.epoch(); epoch <= training.epochs(); epoch++) {
                long epochStart = System.nanoTime();
                // The updater's schedule counts epochs from 0; the workers' networks take the count from here.
                network.getLayerWiseConfigurations().setEpochCount(epoch - 1);
                JavaRDD<DataSet> batches = train.epoch(epoch);
                List<RoundMetrics> rounds = averaging.epoch(epoch, batches,
                        epoch == start.epoch() ? start.within() : Optional.empty(), sink);
                Optional<TimeBreakdown> time = timed ? Optional.of(rounds.stream().flatMap(r -> r.time().stream())
                        .reduce(TimeBreakdown.preparing(train.preparationSeconds()), TimeBreakdown::plus)) : Optional.empty();
                double lossSum = 0;
                for (RoundMetrics round : rounds) {
                    lossSum += round.score();
                    if (!Double.isFinite(round.score())) {
                        throw new TrainingDivergedException(epoch, "round " + round.round(), "training loss", round.score());
                    }
                }
                double trainSeconds = (System.nanoTime() - epochStart) / 1e9;
                long evalStart = System.nanoTime();
                SetEvaluation tested = SetEvaluation.of(sc, network, test, classes);
                evaluation = tested.evaluation();
                double testLoss = tested.loss();
                Optional<EpochMetrics.Validation> validated = validation.map(set -> SetEvaluation.of(sc, network, set, classes))
                        .map(v -> new EpochMetrics.Validation(v.loss(), v.evaluation().accuracy(), LearningRates.current(network)));
                double evalSeconds = (System.nanoTime() - evalStart) / 1e9;
                double elapsed = (System.nanoTime() - startNanos) / 1e9;
                double remaining = elapsed / (epoch - start.epoch() + 1) * (training.epochs() - epoch);
                List<ClassMetrics> perClass = ClassMetrics.of(evaluation, classes);
                EpochMetrics m = new EpochMetrics(epoch, training.epochs(), lossSum / rounds.size(), testLoss,
                        evaluation.accuracy(), ClassMetrics.macroF1(perClass), perClass, trainExamples, rounds.size(),
                        trainSeconds, evalSeconds, trainExamples / trainSeconds, elapsed, remaining, time, validated.orElse(null));
                epochs.add(m);
                sink.epoch(m);
                if (!Double.isFinite(testLoss)) {
                    throw new TrainingDivergedException(epoch, "on the test set", "test loss", testLoss);
                }
                trained = epoch;
                if (validated.isPresent()) {
                    EpochMetrics.Validation checked = validated.get();
                    if (!Double.isFinite(checked.loss())) {
                        throw new TrainingDivergedException(epoch, "on the validation set", "validation loss", checked.loss());
                    }
                    if (watch.observe(epoch, checked) && watch.keepsBest()) {
                        best = network.clone();
                    }
                    if (!Double.isNaN(watch.nextRate()) && watch.nextRate() != checked.learningRate()) {
                        LearningRates.set(network, watch.nextRate());
                    }
                }
                try {
                    epochEnd.after(epoch, network, averaging.iterationCount(), watch.state());
                    masters.epochCheckpointed(epoch);
                } catch (IOException e) {
                    throw new UncheckedIOException("checkpoint after epoch " + epoch + " failed: " + e.getMessage(), e);
                }
                if (watch.exhausted()) {
                    break;
                }
            }
            MultiLayerNetwork kept = watch.keepsBest() && best != null ? best : network;
            if (evaluation == null || kept != network) {
                // The kept network's own evaluation on the test set (after a resume past the last epoch, or
                // the best epoch's network with early stopping): the run's test result.
                evaluation = SetEvaluation.of(sc, kept, test, classes).evaluation();
            }
            int keptEpoch = kept == network ? trained : watch.state().bestEpoch();
            RunMetrics.Stopping stopping = new RunMetrics.Stopping(keptEpoch, trained,
                    watch.keepsBest() ? watch.metric() + " on data.validation" : "last epoch",
                    watch.reason(trained, training.epochs()));
            return new Result(kept, List.copyOf(epochs), evaluation, stopping);
        } finally {
            test.unpersist(false);
            validation.ifPresent(v -> v.unpersist(false));
        }
    }
}
