package io.normdrop.job;

import io.normdrop.config.JobConfig;
import io.normdrop.config.TrainingConfig;
import io.normdrop.config.LoadedJob;
import io.normdrop.metrics.EpochMetrics;
import io.normdrop.metrics.JsonLinesSink;
import io.normdrop.metrics.MetricsFiles;
import io.normdrop.metrics.MetricsSink;
import io.normdrop.metrics.ProgressLine;
import io.normdrop.metrics.PrometheusMetrics;
import io.normdrop.metrics.RunMetrics;
import io.normdrop.metrics.WatchState;
import io.normdrop.metrics.RunRecorder;
import io.normdrop.store.Checkpoints;
import io.normdrop.store.Publication;
import io.normdrop.store.RunDirectory;
import io.normdrop.store.RunFiles;
import io.normdrop.train.DynamicAllocation;
import io.normdrop.train.RoundCheckpoints;
import io.normdrop.train.RoundContinuation;
import io.normdrop.train.SparkInternals;
import io.normdrop.train.SparkTrainer;
import io.normdrop.train.TrainingDivergedException;
import io.normdrop.train.TrainingInputs;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One training run as named steps: claim the run directory, prepare the inputs, begin (fresh or
 * from a checkpoint), train with a checkpoint every epoch, write the run's files and commit them,
 * publish the metrics, apply the quality gate and publish the model.
 */
public final class TrainJob {
    private final LoadedJob job;
    private final String name;
    private final boolean overwrite;
    private final boolean resume;

    /**
     * @param job       the validated job
     * @param overwrite replace an existing run directory
     */
    public TrainJob(LoadedJob job, boolean overwrite) {
        this(job, job.name(), overwrite, false);
    }

    private TrainJob(LoadedJob job, String name, boolean overwrite, boolean resume) {
        this.job = job;
        this.name = name;
        this.overwrite = overwrite;
        this.resume = resume;
    }

    /** The same job under another name in its metrics (the {@code model} label, report titles). */
    TrainJob named(String name) {
        return new TrainJob(job, name, overwrite, resume);
    }

    /** The same job continuing an interrupted run of it from its last checkpoint. */
    public TrainJob resuming() {
        return new TrainJob(job, name, overwrite, true);
    }

    /**
     * What a finished run produced.
     *
     * @param directory    the committed run directory
     * @param testAccuracy test accuracy after the last epoch
     * @param epochs       per-epoch metrics
     * @param network      the trained network, as saved in the model file
     * @param metrics      everything the run measured, as written to metrics.json
     * @param writeSeconds what writing the run's files took (models, provenance, metrics, report)
     */
    public record Outcome(String directory, double testAccuracy, List<EpochMetrics> epochs, MultiLayerNetwork network,
                          RunMetrics metrics, double writeSeconds) {
    }

    /**
     * {@code job} with the master this Spark context can run, decided before anything runs on
     * Spark: the allreduce master needs Spark internals ({@link SparkInternals}) and barrier stages,
     * which Spark refuses with dynamic allocation on ({@link DynamicAllocation}). Where the job
     * leaves the master at its default, the resident master instead (a warning on {@code err});
     * where it asks for allreduce, a refusal (exit 64).
     */
    static JobConfig forThisContext(LoadedJob job, JavaSparkContext sc, PrintWriter err) {
        JobConfig given = job.config();
        boolean masterGiven = job.sets("training.master");
        TrainingConfig training = SparkInternals.forThisSpark(given.training(), masterGiven, sc.version(), err);
        training = DynamicAllocation.forThisContext(training, masterGiven, sc.getConf(),
                "use training.master = resident or parameter-averaging, or spark.dynamicAllocation.enabled = false",
                line -> {
                    err.println("normdrop: warning: " + line);
                    err.flush();
                });
        return given.withTraining(training);
    }

    /** Runs the job on {@code sc}, printing progress and warnings to {@code out}. */
    public Outcome run(JavaSparkContext sc, PrintWriter out) throws IOException {
        return run(sc, out, out);
    }

    /** Runs the job on {@code sc}, printing progress to {@code out} and warnings to {@code err}. */
    public Outcome run(JavaSparkContext sc, PrintWriter out, PrintWriter err) throws IOException {
        JobConfig c = forThisContext(job, sc, err);
        // The metrics' settings name the master that trains (forThisContext may have changed it); digests stay the job's.
        try (RunRecorder recorder = new RunRecorder(name, new LoadedJob(job.source(), job.resolved(), c), sc);
             RunDirectory run = RunDirectory.start(c.output(), Instant.now(), overwrite, resume, sc.hadoopConfiguration());
             TrainingInputs inputs = TrainingInputs.prepare(sc, c, err)) {
            SparkTrainer trainer = new SparkTrainer(sc, c.training(), c.metrics().trainingStats(),
                    RoundCheckpoints.at(run.roundCheckpoints(), c.training().checkpointEveryRounds(), job.resumeDigest(),
                            sc.hadoopConfiguration()));
            out.println(inputs.describe(trainer.workers(), sc.master()));
            recorder.inputs(inputs.train(), inputs.test(), inputs.summary(), trainer.workers());
            SparkTrainer.Result result = train(run, inputs, trainer, recorder, out);
            RunMetrics metrics = recorder.finish(run.target().toString(), result.network(), result.evaluation(),
                    result.stopping());
            PrometheusMetrics prometheus = PrometheusMetrics.of(metrics, Instant.now().getEpochSecond());
            double writeSeconds = RunFiles.write(run, job, result.network(), inputs.scaler(), recorder.provenance(),
                    metrics, prometheus);
            run.commit();
            prometheus.publish(c.metrics(), err);
            double accuracy = metrics.result().accuracy();
            out.printf(Locale.ROOT, "normdrop: test accuracy %.4f; model and metrics in %s (report: %s; written in %.1f s)%n",
                    accuracy, run.target(), MetricsFiles.REPORT_FILE, writeSeconds);
            Publication.gateAndPublish(c.quality(), run, accuracy, out);
            return new Outcome(run.target().toString(), accuracy, metrics.epochs().stream().map(RunMetrics.Epoch::metrics)
                    .toList(), result.network(), metrics, writeSeconds);
        }
    }

    /** Begins (fresh, or after the last checkpoint) and trains, checkpointing every epoch. */
    private SparkTrainer.Result train(RunDirectory run, TrainingInputs inputs, SparkTrainer trainer,
                                      RunRecorder recorder, PrintWriter out) throws IOException {
        MultiLayerNetwork network;
        SparkTrainer.Start start;
        if (resume) {
            Optional<Checkpoints.Loaded> checkpoint = Checkpoints.resume(run, job.resumeDigest());
            int after = checkpoint.map(k -> k.state().epoch()).orElse(0);
            network = checkpoint.isPresent() ? checkpoint.get().network()
                    : inputs.initialNetwork(job.config().model().dataInit(), out);
            Optional<RoundContinuation> within = trainer.roundCheckpoint(after + 1, inputs.train().count(),
                    network);
            if (checkpoint.isEmpty() && within.isEmpty()) {
                throw Checkpoints.nothingToResume(run);
            }
            if (within.isPresent()) {
                within.get().restore(network);
                out.printf("normdrop: resuming epoch %d after its round %d from %s%n", after + 1,
                        within.get().roundsDone(), within.get().source());
            } else {
                out.printf("normdrop: resuming after epoch %d from %s%n", after, checkpoint.get().directory());
            }
            checkpoint.ifPresent(k -> recorder.resumed(k.state().epochs(), k.state().rounds()));
            start = new SparkTrainer.Start(after + 1, checkpoint.map(k -> k.state().iterationCount()).orElse(0), within,
                    checkpoint.map(k -> k.state().watchState()).orElse(WatchState.START),
                    checkpoint.map(Checkpoints.Loaded::bestSoFar).orElse(null));
        } else {
            network = inputs.initialNetwork(job.config().model().dataInit(), out);
            start = SparkTrainer.Start.FRESH;
        }
        JsonLinesSink lines = new JsonLinesSink(run.create(RunFiles.METRICS_LINES));
        // metrics.jsonl starts again with the epochs a checkpoint carries.
        recorder.epochs().forEach(e -> lines.epoch(e.metrics()));
        try (MetricsSink sink = MetricsSink.all(new ProgressLine(out), lines, recorder)) {
            boolean keepsBest = job.config().training().earlyStopping().enabled();
            return trainer.fit(network, inputs, sink, start, (epoch, trained, iterations, watch) -> Checkpoints.save(run,
                    epoch, iterations, job.resumeDigest(), recorder.epochs(), recorder.rounds(), trained, watch, keepsBest));
        } catch (TrainingDivergedException e) {
            throw e.with(Checkpoints.kept(run) + "; try a lower training.updater.learningRate");
        }
    }
}
