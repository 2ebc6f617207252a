package io.normdrop.metrics;

import io.normdrop.config.LoadedJob;
import io.normdrop.data.LoadedData;
import io.normdrop.nn.NetworkDiagnostics;
import io.normdrop.nn.NetworkSummary;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.Evaluation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The sink that assembles a run's {@link RunMetrics} and {@link Provenance}: it is told what the
 * run is (the job, the Spark context), what it read and trains ({@link #inputs}), keeps every
 * round and epoch the trainer publishes with what Spark did meanwhile (a {@link SparkStatsListener}
 * it registers for the run) and the driver's memory, and at the end builds both documents from
 * those objects.
 */
public final class RunRecorder implements MetricsSink {
    private final String name;
    private final LoadedJob job;
    private final JavaSparkContext sc;
    private final SparkStatsListener spark = new SparkStatsListener();
    private final Instant started = Instant.now();
    private final long startNanos = System.nanoTime();
    private final List<RoundMetrics> rounds = new ArrayList<>();
    private final List<RunMetrics.Epoch> epochs = new ArrayList<>();
    private List<Long> partitions = List.of();
    private SparkStats previous;
    private MemorySample peak = MemorySample.now();
    /** The retry of the epoch being trained, if Spark retried it. */
    private EpochRetry retry;
    private LoadedData train;
    private LoadedData test;
    private Provenance.Data files;
    private NetworkSummary network;
    private int workers;

    /**
     * Starts recording a run: registers the Spark listener until {@link #close}.
     *
     * @param name the run's name in its metrics (the {@code model} label, report titles)
     */
    public RunRecorder(String name, LoadedJob job, JavaSparkContext sc) {
        this.name = name;
        this.job = job;
        this.sc = sc;
        sc.sc().addSparkListener(spark);
        this.previous = spark.snapshot();
    }

    /** What the run trains on: the data as read, the network and the number of workers. */
    public void inputs(LoadedData train, LoadedData test, NetworkSummary network, int workers) {
        this.train = train;
        this.test = test;
        this.files = Provenance.Data.of(train, test);
        this.network = network;
        this.workers = workers;
    }

    /** Continues a resumed run with what it recorded before its checkpoint. */
    public void resumed(List<RunMetrics.Epoch> epochs, List<RoundMetrics> rounds) {
        this.epochs.addAll(epochs);
        this.rounds.addAll(rounds);
    }

    @Override
    public void partitions(List<Long> examplesPerPartition) {
        partitions = List.copyOf(examplesPerPartition);
    }

    @Override
    public void round(RoundMetrics metrics) {
        rounds.add(metrics);
    }

    @Override
    public void epoch(EpochMetrics metrics) {
        SparkStats now = spark.snapshot();
        MemorySample memory = MemorySample.now();
        if (memory.nd4jOffHeapBytes() > peak.nd4jOffHeapBytes()) {
            peak = memory;
        }
        epochs.add(new RunMetrics.Epoch(metrics, now.minus(previous), memory, retry));
        previous = now;
        retry = null;
    }

    @Override
    public void retried(EpochRetry retry) {
        this.retry = retry;
    }

    public List<RoundMetrics> rounds() {
        return List.copyOf(rounds);
    }

    public List<RunMetrics.Epoch> epochs() {
        return List.copyOf(epochs);
    }

    /** What went into the run. */
    public Provenance provenance() {
        return Provenance.of(job, files, network,
                new Provenance.Spark(sc.version(), sc.master(), workers));
    }

    /**
     * Everything the run measured, once it has trained {@code trained} and evaluated it.
     *
     * @param directory  the run directory
     * @param kept       the network the run keeps
     * @param evaluation its evaluation on the test set
     * @param stopping   which epoch's network it is and why training ended
     */
    public RunMetrics finish(String directory, MultiLayerNetwork kept, Evaluation evaluation, RunMetrics.Stopping stopping) {
        List<RunMetrics.Epoch> all = epochs();
        return new RunMetrics(RunMetrics.FORMAT,
                new RunMetrics.Run(name, job.source(), directory, started.toString(), Instant.now().toString(),
                        (System.nanoTime() - startNanos) / 1e9, CodeVersion.current().toString()),
                job.configDigest(), RunMetrics.Data.of(job.config().data(), train, test, files.digest()),
                RunMetrics.Settings.of(job.config(), workers, network), all, rounds(), partitions,
                new RunMetrics.Spark(sc.version(), sc.master(), spark.snapshot(), spark.executors(), peak),
                NetworkDiagnostics.of(kept), RunMetrics.Result.of(all, stopping.keptEpoch(), evaluation, train.classes()),
                stopping);
    }

    /** Stops listening to Spark; what was recorded stays. */
    @Override
    public void close() {
        sc.sc().removeSparkListener(spark);
    }
}
