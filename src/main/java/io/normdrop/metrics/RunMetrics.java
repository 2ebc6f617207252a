package io.normdrop.metrics;

import io.normdrop.config.DataConfig;
import io.normdrop.config.JobConfig;
import io.normdrop.config.TrainingConfig;
import io.normdrop.config.TrainingMasterKind;
import io.normdrop.data.LoadedData;
import io.normdrop.nn.NetworkDiagnostics;
import io.normdrop.nn.NetworkSummary;
import org.nd4j.evaluation.classification.Evaluation;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Everything a run measured, as one versioned document: {@code metrics.json} in the run
 * directory, assembled by {@link RunRecorder}. What went into the run is {@link Provenance}; this
 * document repeats of it only what joins the two (code version, config and data digests) and the
 * settings a comparison of runs shows. Readers check {@link #format}; fields are only ever added
 * within a format version.
 *
 * @param format       {@value #FORMAT}
 * @param run          which run, when, how long, which code
 * @param configDigest SHA-256 of the resolved job (every key with its effective value): runs with
 *                     the same digest ran the same job
 * @param data         the data trained and tested on
 * @param settings     the settings a comparison of runs needs at a glance
 * @param epochs       per epoch: results, time breakdown, Spark activity and driver memory
 * @param rounds       every parameter-averaging round
 * @param partitions   examples in each partition of the training data, in partition order
 * @param spark        Spark's view of the whole run
 * @param model        the kept network: per-layer diagnostics and parameter digest
 * @param result       the final evaluation on the test set, of the kept network
 * @param stopping     which epoch's network the run kept and why training ended there
 */
public record RunMetrics(String format, Run run, String configDigest, Data data, Settings settings,
                         List<Epoch> epochs, List<RoundMetrics> rounds, List<Long> partitions, Spark spark,
                         NetworkDiagnostics model,
                         Result result, Stopping stopping) {
    public static final String FORMAT = "normdrop-metrics/1";

    /**
     * @param name          the job's name (its file name without {@code .conf})
     * @param jobSource     the job file
     * @param directory     the run directory
     * @param startedAt     ISO-8601 instant the run started
     * @param finishedAt    ISO-8601 instant training and evaluation ended
     * @param wallSeconds   wall time from start to finish, data loading included
     * @param codeVersion   Normdrop version and commit
     */
    public record Run(String name, String jobSource, String directory, String startedAt, String finishedAt,
                      double wallSeconds, String codeVersion) {
    }

    /**
     * @param trainExamples training examples
     * @param testExamples  test examples
     * @param features      features per example
     * @param classNames    class names by label
     * @param digest        SHA-256 over the input files' digests
     * @param format        data format (idx, csv, libsvm, parquet)
     * @param badTrain      bad training records left out (data.onBadRecord = skip; 0 otherwise)
     * @param badTest       bad test records left out
     * @param classCounts   training examples per class, by label
     * @param normalization feature scaling fitted on the training data (none, standardize, minmax)
     */
    public record Data(long trainExamples, long testExamples, long features, List<String> classNames, String digest,
                       String format, long badTrain, long badTest, List<Long> classCounts, String normalization) {
        /** The data as read for a job: counts from the sets, names and settings from the job. */
        static Data of(DataConfig config, LoadedData train, LoadedData test, String digest) {
            return new Data(train.count(), test.count(), train.features(),
                    train.labels().isEmpty() ? IntStream.range(0, train.classes()).mapToObj(config::className).toList()
                            : train.labels(), digest,
                    config.format().jobName(), train.skipped(), test.skipped(),
                    Arrays.stream(train.summary().labelCounts()).boxed().toList(), config.normalization().jobName());
        }
    }

    /**
     * @param epochs             epochs
     * @param seed               seed
     * @param workers            parameter-averaging workers
     * @param batchSizePerWorker minibatch size
     * @param averagingPeriod    minibatches per worker between averages
     * @param averaging          the averaging schedule and updater-state policy, e.g.
     *                           {@code every 1 for 1 epoch, then 20; updater state local}
     * @param updater            updater and learning rate, e.g. {@code adam 0.001}
     * @param approach           direct or export
     * @param weightNorm         whether any layer is weight-normalized
     * @param dataInit           whether data-dependent initialization ran
     * @param dropout            per layer, the effective input retain probability (1 = none)
     * @param layers             per layer, type and units, e.g. {@code weightnorm-dense 512}
     */
    public record Settings(int epochs, long seed, int workers, int batchSizePerWorker, int averagingPeriod,
                           String averaging, String updater, String approach, boolean weightNorm, boolean dataInit,
                           List<Double> dropout,
                           List<String> layers) {
        /** The settings of {@code job} as trained by {@code workers} workers on the network {@code summary}. */
        static Settings of(JobConfig job, int workers, NetworkSummary summary) {
            TrainingConfig t = job.training();
            return new Settings(t.epochs(), t.seed(), workers, t.batchSizePerWorker(), t.averagingPeriod(),
                    t.averaging().describe(t.averagingPeriod()), t.updater().describe(),
                    t.master() != TrainingMasterKind.PARAMETER_AVERAGING ? t.master().jobName()
                    : t.master().jobName() + " " + t.approach().jobName(),
                    job.model().layers().stream().anyMatch(l -> l.kind().isWeightNorm()), job.model().dataInit().enabled(),
                    summary.layers().stream().map(NetworkSummary.Row::keep).toList(),
                    job.model().layers().stream().map(l -> l.kind().jobName() + " " + l.units()).toList());
        }
    }

    /**
     * @param metrics results and times of the epoch
     * @param spark   what Spark did during the epoch (training and evaluation)
     * @param memory  driver memory at the end of the epoch
     * @param retry   how Spark trained the epoch again after a failure (allreduce master), or null
     *                when it trained in its first attempt
     */
    public record Epoch(EpochMetrics metrics, SparkStats spark, MemorySample memory, EpochRetry retry) {
    }

    /**
     * @param version   Spark version
     * @param master    master URL
     * @param totals    the whole run
     * @param executors per executor
     * @param peakDriverMemory the largest driver memory sample of the run (by ND4J off-heap bytes)
     */
    public record Spark(String version, String master, SparkStats totals, List<ExecutorStats> executors,
                        MemorySample peakDriverMemory) {
    }

    /**
     * @param accuracy  test accuracy of the kept network (the last epoch's, or with early stopping the best epoch's)
     * @param testLoss  its test loss
     * @param macroF1   its macro F1
     * @param bestAccuracy best test accuracy over the epochs (for reference: the test set never chooses)
     * @param classes   its per-class metrics
     * @param confusion its {@code confusion[actual][predicted]} counts
     */
    public record Result(double accuracy, double testLoss, double macroF1, double bestAccuracy,
                         List<ClassMetrics> classes, long[][] confusion) {
        /**
         * The result of a run whose epochs were {@code epochs}, that kept epoch {@code kept}'s network and
         * whose final evaluation of it on the test set is {@code evaluation}.
         */
        static Result of(List<Epoch> epochs, int kept, Evaluation evaluation, int classes) {
            EpochMetrics chosen = epochs.stream().map(Epoch::metrics).filter(e -> e.epoch() == kept).findFirst()
                    .orElse(epochs.get(epochs.size() - 1).metrics());
            double best = epochs.stream().mapToDouble(e -> e.metrics().testAccuracy()).max().orElse(Double.NaN);
            return new Result(evaluation.accuracy(), chosen.testLoss(), chosen.macroF1(), best, chosen.classes(),
                    ClassMetrics.confusion(evaluation, classes));
        }
    }

    /**
     * How training ended.
     *
     * @param keptEpoch     the epoch whose network the run keeps (model files, predict, published/)
     * @param trainedEpochs epochs trained
     * @param chosenBy      what chose the kept epoch: {@code last epoch}, or the validation metric
     *                      (e.g. {@code validation-loss on data.validation}); never the test set
     * @param reason        why training ended, in words
     */
    public record Stopping(int keptEpoch, int trainedEpochs, String chosenBy, String reason) {
    }
}
