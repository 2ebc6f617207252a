package io.normdrop.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.ConfigRenderOptions;
import io.normdrop.config.ConfigException;
import io.normdrop.config.JobConfig;
import io.normdrop.config.LoadedJob;
import io.normdrop.config.MetricsConfig;
import io.normdrop.config.ModelConfig;
import io.normdrop.config.OutputConfig;
import io.normdrop.config.TrainingConfig;
import io.normdrop.data.DataLoader;
import io.normdrop.data.DataSets;
import io.normdrop.data.FeatureScaler;
import io.normdrop.data.LoadedData;
import io.normdrop.data.MissingInputException;
import io.normdrop.data.ReshuffledEpochs;
import io.normdrop.data.TrainingEpochs;
import io.normdrop.metrics.ClassMetrics;
import io.normdrop.metrics.EpochMetrics;
import io.normdrop.metrics.HtmlReport;
import io.normdrop.metrics.JsonLinesSink;
import io.normdrop.metrics.MetricsFiles;
import io.normdrop.metrics.MetricsSink;
import io.normdrop.metrics.ProgressLine;
import io.normdrop.metrics.PrometheusMetrics;
import io.normdrop.metrics.RunMetrics;
import io.normdrop.metrics.RunRecorder;
import io.normdrop.metrics.SparkStatsListener;
import io.normdrop.nn.DataDependentInit;
import io.normdrop.nn.NetworkDiagnostics;
import io.normdrop.nn.NetworkFactory;
import io.normdrop.nn.NetworkSummary;
import io.normdrop.nn.WeightNormFolding;
import io.normdrop.train.SparkTrainer;
import io.normdrop.train.TrainingDivergedException;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * One training run, start to finish: claim the output directory, read and check the data on the
 * driver, train on Spark, and commit the model with its provenance and metrics atomically.
 */
public final class TrainJob {
    /** Files of a run directory. */
    public static final String MODEL = "model.zip";
    /**
     * The model folded for inference (weight-norm layers replaced by the plain layers they
     * compute; no updater state); written only when the network has weight-norm layers.
     */
    public static final String INFERENCE_MODEL = "model-inference.zip";
    public static final String PROVENANCE = "provenance.json";
    public static final String METRICS = "metrics.jsonl";
    public static final String RESOLVED_JOB = "job.conf";
    /** Name of the provenance entry inside {@value #MODEL}. */
    public static final String MODEL_PROVENANCE_ENTRY = "normdrop-provenance.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

    private final LoadedJob job;
    private final boolean overwrite;
    private final String name;
    private final boolean resume;

    /**
     * @param job       the validated job
     * @param overwrite replace an existing output directory
     */
    public TrainJob(LoadedJob job, boolean overwrite) {
        this(job, overwrite, jobName(job.source()), false);
    }

    private TrainJob(LoadedJob job, boolean overwrite, String name, boolean resume) {
        this.job = job;
        this.overwrite = overwrite;
        this.name = name;
        this.resume = resume;
    }

    /** The same job under another name in its metrics (the {@code model} label, report titles). */
    TrainJob named(String name) {
        return new TrainJob(job, overwrite, name, resume);
    }

    /**
     * The same job continuing an interrupted run of it from its last checkpoint (the job may
     * differ only in {@code training.epochs} and {@code output}).
     */
    public TrainJob resuming() {
        return new TrainJob(job, overwrite, name, true);
    }

    /** A job's name: its file name without the {@code .conf} extension. */
    static String jobName(String source) {
        String file = source.substring(source.lastIndexOf('/') + 1);
        return file.endsWith(".conf") ? file.substring(0, file.length() - 5) : file;
    }

    /**
     * What a finished run produced.
     *
     * @param directory    the committed run directory
     * @param testAccuracy test accuracy after the last epoch
     * @param epochs       per-epoch metrics
     * @param network      the trained network, as saved in the model file
     * @param metrics      everything the run measured, as written to metrics.json
     */
    public record Outcome(String directory, double testAccuracy, List<EpochMetrics> epochs, MultiLayerNetwork network,
                          RunMetrics metrics) {
    }

    /** Runs the job on {@code sc}, printing progress and warnings to {@code out}. */
    public Outcome run(JavaSparkContext sc, PrintWriter out) throws IOException {
        return run(sc, out, out);
    }

    /**
     * Runs the job on {@code sc}, printing progress to {@code out} and warnings (a metrics push
     * that failed) to {@code err}.
     *
     * @return where the run went and how it did
     */
    public Outcome run(JavaSparkContext sc, PrintWriter out, PrintWriter err) throws IOException {
        JobConfig c = job.config();
        Instant started = Instant.now();
        long startNanos = System.nanoTime();
        SparkStatsListener listener = new SparkStatsListener();
        sc.sc().addSparkListener(listener);
        String runId = runId(c.output(), started);
        String runDir = runId == null ? c.output().dir() : c.output().dir() + "/" + runId;
        Inputs in = null;
        try (RunOutput output = RunOutput.start(runDir, overwrite, resume, sc.hadoopConfiguration())) {
            long readStart = System.nanoTime();
            in = Inputs.read(sc, c, err);
            double readSeconds = (System.nanoTime() - readStart) / 1e9;
            SparkTrainer trainer = c.metrics().trainingStats()
                    ? new SparkTrainer(sc, c.training()).withTrainingStats() : new SparkTrainer(sc, c.training());
            out.printf(Locale.ROOT, "normdrop: training %,d examples (%,d features, %d classes%s), testing on %,d, %d workers"
                            + " on %s (data read and checked in %.1f s)%n", in.train().count(), in.train().features(),
                    in.train().classes(), in.scaler() == null ? "" : ", " + in.scaler().kind().jobName(), in.test().count(),
                    trainer.workers(), sc.master(), readSeconds);
            Beginning beginning = begin(output, in, listener, out);
            SparkTrainer.Result result = train(sc, output, trainer, in, beginning, out);
            RunRecorder recorder = beginning.recorder();
            List<EpochMetrics> allEpochs = recorder.epochs().stream().map(RunMetrics.Epoch::metrics).toList();
            Provenance.Data data = Provenance.Data.of(in.train().digests(), in.test().digests(), in.train().count(),
                    in.test().count());
            RunMetrics metrics = new RunMetrics(RunMetrics.FORMAT,
                    new RunMetrics.Run(name, job.source(), output.target().toString(), started.toString(),
                            Instant.now().toString(), (System.nanoTime() - startNanos) / 1e9,
                            CodeVersion.current().toString()),
                    configDigest(job), new RunMetrics.Data(in.train().count(), in.test().count(), in.train().features(),
                    classNames(c, in.train().classes()), data.digest(), c.data().format().jobName(), in.train().skipped(),
                    in.test().skipped(), java.util.Arrays.stream(in.train().summary().labelCounts()).boxed().toList(),
                    c.data().normalization().jobName()),
                    settings(c, trainer.workers(), in.summary()), recorder.epochs(), recorder.rounds(), recorder.partitions(),
                    recorder.spark(sc.version(), sc.master()), NetworkDiagnostics.of(result.network()),
                    finalResult(recorder.epochs(), result, in.train().classes()));
            Provenance provenance = new Provenance(Provenance.FORMAT, Instant.now().toString(), CodeVersion.current(),
                    job.source(), c.training().seed(), job.resolved().root().unwrapped(),
                    data, new Provenance.Spark(sc.version(), sc.master(), trainer.workers()), in.summary(), allEpochs);
            PrometheusMetrics prometheus = PrometheusMetrics.of(metrics, Instant.now().getEpochSecond());
            writeFiles(output, in, result.network(), JSON.writeValueAsString(provenance), metrics, prometheus);
            output.commit();
            publish(c.metrics(), prometheus, err);
            double accuracy = result.evaluation().accuracy();
            out.printf("normdrop: test accuracy %.4f; model and metrics in %s (report: %s)%n", accuracy,
                    output.target(), MetricsFiles.REPORT_FILE);
            gateAndPublish(c, runId, output, accuracy, out);
            return new Outcome(output.target().toString(), accuracy, allEpochs, result.network(), metrics);
        } finally {
            sc.sc().removeSparkListener(listener);
            if (in != null) {
                in.release();
            }
        }
    }

    /**
     * The data, read and checked on Spark (persisted there for the run), the feature scaling
     * fitted on it, and the network configuration it implies.
     */
    private record Inputs(LoadedData train, LoadedData test, FeatureScaler scaler, MultiLayerConfiguration conf,
                          NetworkSummary summary) {
        static Inputs read(JavaSparkContext sc, JobConfig c, PrintWriter err) {
            DataLoader loader = new DataLoader(sc, c.data());
            LoadedData train = loader.train(c.knownClasses());
            LoadedData test = loader.test(train);
            warnSkipped(train, err);
            warnSkipped(test, err);
            int names = c.data().classNames().size();
            if (names > 0 && names != train.classes()) {
                throw new ConfigException("data.classNames", names + " names, but the training data has "
                        + train.classes() + " classes");
            }
            FeatureScaler scaler = FeatureScaler.fit(c.data().normalization(), train.examples().values(), train.features());
            ModelConfig model = c.model().forDataClasses(train.classes());
            MultiLayerConfiguration conf = NetworkFactory.configuration(model, c.training(), train.features());
            return new Inputs(train, test, scaler, conf, NetworkSummary.of(conf));
        }

        private static void warnSkipped(LoadedData data, PrintWriter err) {
            if (data.skipped() > 0) {
                err.printf(Locale.ROOT, "normdrop: warning: %s: skipped %,d bad record(s) of %,d (data.onBadRecord = skip);"
                        + " first: %s%n", data.key(), data.skipped(), data.summary().records(), data.problems().get(0));
                err.flush();
            }
        }

        void release() {
            train.release();
            test.release();
        }
    }

    /** Where training starts: a fresh (maybe data-initialized) network, or a checkpoint's. */
    private record Beginning(MultiLayerNetwork network, SparkTrainer.Start start, RunRecorder recorder,
                             List<RunMetrics.Epoch> previousEpochs) {
    }

    private Beginning begin(RunOutput output, Inputs in, SparkStatsListener listener, PrintWriter out) throws IOException {
        JobConfig c = job.config();
        if (resume) {
            Checkpoints.Loaded checkpoint = checkpoint(output, resumeDigest(job));
            out.printf("normdrop: resuming after epoch %d from %s%n", checkpoint.state().epoch(), checkpoint.directory());
            return new Beginning(checkpoint.network(),
                    new SparkTrainer.Start(checkpoint.state().epoch() + 1, checkpoint.state().iterationCount()),
                    new RunRecorder(listener, checkpoint.state().epochs(), checkpoint.state().rounds()),
                    checkpoint.state().epochs());
        }
        MultiLayerNetwork network = new MultiLayerNetwork(in.conf());
        network.init();
        if (c.model().dataInit().enabled()) {
            int n = (int) Math.min(c.model().dataInit().examples(), in.train().count());
            int layers = DataDependentInit.apply(network, DataSets.toDataSet(in.train().head(n), in.train().features(),
                    in.train().classes(), in.scaler()).getFeatures());
            out.printf("normdrop: data-dependent initialization of %d weight-norm layer(s) from %,d examples%n", layers, n);
        }
        return new Beginning(network, SparkTrainer.Start.FRESH, new RunRecorder(listener), List.of());
    }

    /** Trains from the beginning, checkpointing every epoch; a divergence says what it kept. */
    private SparkTrainer.Result train(JavaSparkContext sc, RunOutput output, SparkTrainer trainer, Inputs in, Beginning b,
                                      PrintWriter out) throws IOException {
        JobConfig c = job.config();
        int batch = c.data().batchSize();
        TrainingEpochs trainBatches = new ReshuffledEpochs(in.train(), trainer.partitions(in.train().count()), batch,
                c.training().seed(), in.scaler());
        JavaRDD<DataSet> testBatches = DataSets.inOrder(in.test(), batch, in.scaler());
        String resumeDigest = resumeDigest(job);
        JsonLinesSink jsonLines = new JsonLinesSink(output.create(METRICS));
        // metrics.jsonl starts again with the epochs a checkpoint carries.
        b.previousEpochs().forEach(e -> jsonLines.epoch(e.metrics()));
        try (MetricsSink sink = MetricsSink.all(new ProgressLine(out), jsonLines, b.recorder())) {
            SparkTrainer.EpochEnd save = (epoch, trained, iterations) -> Checkpoints.save(output,
                    new Checkpoints.State(Checkpoints.FORMAT, epoch, iterations, resumeDigest, b.recorder().epochs(),
                            b.recorder().rounds(), Instant.now().toString()), trained);
            return trainer.fit(b.network(), trainBatches, testBatches, sink, b.start(), save);
        } catch (TrainingDivergedException e) {
            Optional<Checkpoints.Loaded> kept = Checkpoints.latest(output);
            throw e.with(kept.map(k -> "the last good checkpoint (epoch " + k.state().epoch() + ") is kept in "
                    + output.temp() + " for --resume").orElse("no epoch finished, nothing kept")
                    + "; try a lower training.updater.learningRate");
        }
    }

    /** Everything of the run directory but _SUCCESS: models, provenance, the job, the metrics files. */
    private void writeFiles(RunOutput output, Inputs in, MultiLayerNetwork network, String provenanceJson,
                            RunMetrics metrics, PrometheusMetrics prometheus) throws IOException {
        writeModel(output, MODEL, network, true, provenanceJson, in.scaler());
        if (WeightNormFolding.hasWeightNorm(in.conf())) {
            writeModel(output, INFERENCE_MODEL, WeightNormFolding.fold(network), false, provenanceJson, in.scaler());
        }
        write(output, PROVENANCE, provenanceJson);
        write(output, RESOLVED_JOB, "# Resolved job: " + job.source() + "\n" + job.renderHocon());
        write(output, MetricsFiles.JSON_FILE, MetricsFiles.json(metrics));
        write(output, MetricsFiles.CSV_FILE, MetricsFiles.csv(metrics));
        write(output, MetricsFiles.REPORT_FILE, HtmlReport.render(metrics));
        write(output, MetricsFiles.PROMETHEUS_FILE, prometheus.text());
    }

    /**
     * The run id of this run: null without one, the given one, or for {@code auto} one made from
     * the start time (UTC, to the second).
     */
    private String runId(OutputConfig output, Instant started) {
        if (!OutputConfig.AUTO_RUN_ID.equals(output.runId())) {
            return output.runId();
        }
        if (resume) {
            throw new ConfigException("output.runId", "auto cannot be resumed: give the id of the run to resume (--run-id ID)");
        }
        return java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(java.time.ZoneOffset.UTC)
                .format(started);
    }

    /**
     * Applies the quality gate to the committed run and, with a run id, publishes it when it
     * passes.
     *
     * @throws QualityGateException when it fails: the run stays, nothing is published
     */
    private static void gateAndPublish(JobConfig c, String runId, RunOutput output, double accuracy, PrintWriter out)
            throws IOException {
        Path jobDir = output.target().getParent();
        java.util.OptionalDouble published = runId == null ? java.util.OptionalDouble.empty()
                : Publication.publishedAccuracy(output.fileSystem(), jobDir);
        Optional<String> failure = Publication.gateFailure(accuracy, published, c.quality());
        if (failure.isPresent()) {
            throw new QualityGateException("quality gate failed: " + failure.get() + "; the run is kept in "
                    + output.target() + (runId == null ? "" : ", nothing was published"));
        }
        if (runId != null) {
            Publication.publish(output.fileSystem(), jobDir, output.target(), runId);
            out.printf("normdrop: published run %s as %s/%s%s%n", runId, jobDir, Publication.PUBLISHED,
                    published.isPresent() ? String.format(Locale.ROOT, " (test accuracy %.4f, before %.4f)", accuracy,
                            published.getAsDouble()) : "");
        }
    }

    /**
     * Publishes the committed run's metrics to a textfile-collector directory and a Pushgateway,
     * as configured. Neither may fail the run: a failure is one warning line.
     */
    private static void publish(MetricsConfig metrics, PrometheusMetrics prometheus, PrintWriter err) {
        if (metrics.textfileDir() != null) {
            java.nio.file.Path dir = java.nio.file.Path.of(metrics.textfileDir());
            try {
                Files.createDirectories(dir);
                java.nio.file.Path temp = Files.createTempFile(dir, ".normdrop-", ".prom.tmp");
                Files.writeString(temp, prometheus.text());
                Files.move(temp, dir.resolve(MetricsFiles.PROMETHEUS_FILE), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | RuntimeException e) {
                warn(err, "could not write " + MetricsFiles.PROMETHEUS_FILE + " to metrics.textfileDir " + dir + ": " + e, e);
            }
        }
        MetricsConfig.Pushgateway gateway = metrics.pushgateway();
        if (gateway.enabled()) {
            try {
                prometheus.push(gateway.url(), gateway.job(), gateway.timeoutSeconds());
            } catch (IOException | RuntimeException e) {
                warn(err, "metrics not pushed to the Pushgateway at " + gateway.url() + ": " + e
                        + " (the run itself succeeded)", e);
            }
        }
    }

    private static void warn(PrintWriter err, String message, Exception e) {
        LOG.warn(message, e);
        err.println("normdrop: warning: " + message.replaceAll("\\s*\\R\\s*", " "));
        err.flush();
    }

    /** The run's last checkpoint, which must come from the same job. */
    private static Checkpoints.Loaded checkpoint(RunOutput output, String resumeDigest) throws IOException {
        Checkpoints.Loaded loaded = Checkpoints.latest(output).orElseThrow(() -> new MissingInputException(
                "nothing to resume: no checkpoint in " + output.temp() + " (run without --resume to start afresh)", null));
        if (!loaded.state().jobDigest().equals(resumeDigest)) {
            throw new ConfigException("--resume", "the job differs from the one that wrote the checkpoint in "
                    + loaded.directory() + " (only training.epochs and output may change); run without --resume to start afresh");
        }
        return loaded;
    }

    /** SHA-256 of the resolved job without its output section: equal for runs of the same job. */
    static String configDigest(LoadedJob job) {
        return digest(job.resolved().withoutPath("output"));
    }

    /** Like {@link #configDigest}, without training.epochs as well: a resumed run may train longer. */
    static String resumeDigest(LoadedJob job) {
        return digest(job.resolved().withoutPath("output").withoutPath("training.epochs"));
    }

    private static String digest(com.typesafe.config.Config config) {
        String rendered = config.root().render(ConfigRenderOptions.concise());
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(rendered.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> classNames(JobConfig c, int classes) {
        return IntStream.range(0, classes).mapToObj(c.data()::className).toList();
    }

    private static RunMetrics.Settings settings(JobConfig c, int workers, NetworkSummary summary) {
        TrainingConfig t = c.training();
        return new RunMetrics.Settings(t.epochs(), t.seed(), workers, t.batchSizePerWorker(), t.averagingFrequency(),
                t.updater().kind().name().toLowerCase(Locale.ROOT) + " " + t.updater().learningRate(),
                t.master() == io.normdrop.config.TrainingMasterKind.RESIDENT ? t.master().jobName()
                        : t.master().jobName() + " " + t.approach().jobName(), c.model().layers().stream().anyMatch(l -> l.kind().isWeightNorm()),
                c.model().dataInit().enabled(), summary.layers().stream().map(NetworkSummary.Row::keep).toList(),
                c.model().layers().stream().map(l -> l.kind().jobName() + " " + l.units()).toList());
    }

    private static RunMetrics.Result finalResult(List<RunMetrics.Epoch> epochs, SparkTrainer.Result result, int classes) {
        EpochMetrics last = epochs.get(epochs.size() - 1).metrics();
        double best = epochs.stream().mapToDouble(e -> e.metrics().testAccuracy()).max().orElse(Double.NaN);
        return new RunMetrics.Result(last.testAccuracy(), last.testLoss(), last.macroF1(), best, last.classes(),
                ClassMetrics.confusion(result.evaluation(), classes));
    }

    /**
     * Writes a model file: the network, its provenance and, when the job scales features, the
     * scaling as DL4J's normalizer ({@code ModelSerializer.restoreNormalizerFromFile} reads it).
     */
    private static void writeModel(RunOutput output, String name, MultiLayerNetwork network, boolean withUpdater,
                                   String provenanceJson, FeatureScaler scaler) throws IOException {
        java.nio.file.Path local = Files.createTempFile("normdrop-model", ".zip");
        try {
            ModelSerializer.writeModel(network, local.toFile(), withUpdater);
            if (scaler != null) {
                ModelSerializer.addNormalizerToModel(local.toFile(), scaler.toNormalizer());
            }
            ModelSerializer.addObjectToFile(local.toFile(), MODEL_PROVENANCE_ENTRY, provenanceJson);
            output.fileSystem().copyFromLocalFile(false, true, new Path(local.toUri()), new Path(output.temp(), name));
        } finally {
            Files.deleteIfExists(local);
        }
    }

    private static void write(RunOutput output, String name, String text) throws IOException {
        try (OutputStream os = output.create(name)) {
            os.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
