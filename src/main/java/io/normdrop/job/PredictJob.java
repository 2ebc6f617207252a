package io.normdrop.job;

import io.normdrop.config.ConfigException;
import io.normdrop.config.DataConfig;
import io.normdrop.config.DataFormat;
import io.normdrop.config.DataSource;
import io.normdrop.config.JobFiles;
import io.normdrop.config.LoadedJob;
import io.normdrop.data.DataChecks;
import io.normdrop.data.ScoringData;
import io.normdrop.score.PredictionMetrics;
import io.normdrop.score.Predictions;
import io.normdrop.score.ScoringNetwork;
import io.normdrop.score.ScoringProgress;
import io.normdrop.score.TrainedModel;
import io.normdrop.store.RunDirectory;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * One scoring run as named steps: load the model, claim the output directory, read the data on
 * the executors, score it there in minibatches with the model broadcast once, apply the
 * bad-record policy, write the predictions and their metrics, and commit them at once.
 */
public final class PredictJob {
    /**
     * What to score with what, and where to.
     *
     * @param model     a run directory, {@code OUTPUT_DIR/published} or a model file
     * @param data      the files to score instead of the job's {@code data.test} (for IDX, the image file)
     * @param labels    IDX only: a label file for {@code data}; null scores without labels
     * @param out       the output directory
     * @param overwrite replace {@code out} if it exists
     * @param unfolded  score with {@code model.zip} even when the run has the folded inference model
     * @param batchSize rows per {@code output()} call
     */
    public record Options(String model, String data, String labels, String out, boolean overwrite, boolean unfolded,
                          int batchSize) {
    }

    /**
     * @param directory the committed output directory
     * @param metrics   what scoring measured, as written
     */
    public record Outcome(String directory, PredictionMetrics metrics) {
    }

    private final LoadedJob dataJob;
    private final Options options;
    private final List<String> overrides;

    /**
     * @param dataJob   the job whose data section describes the data (format, layout, key columns,
     *                  bad-record policy); null takes the model's own training job
     * @param overrides {@code key=value} overrides of the model's job when {@code dataJob} is null
     */
    public PredictJob(LoadedJob dataJob, Options options, List<String> overrides) {
        this.dataJob = dataJob;
        this.options = options;
        this.overrides = List.copyOf(overrides);
    }

    public Outcome run(JavaSparkContext sc, PrintWriter out) throws IOException {
        long start = System.nanoTime();
        TrainedModel model = TrainedModel.load(options.model(), options.unfolded(), sc.hadoopConfiguration());
        if (dataJob == null && model.job() == null) {
            throw new ConfigException("JOB", model.file() + " carries no training job: give the data job file");
        }
        LoadedJob job = dataJob != null ? dataJob
                : JobFiles.of(model.job().resolved(), model.file(), withDataPaths(overrides));
        DataConfig data = job.config().data();
        DataSource source = source(data);
        try (RunDirectory run = RunDirectory.start(options.out(), options.overwrite(), sc.hadoopConfiguration())) {
            ScoringData.Read read = ScoringData.read(sc, data, source, model.features(), model.classes(),
                    model.labels());
            Predictions predictions = new Predictions(read.keyColumns(), read.labeled(), model.classNames(),
                    options.batchSize());
            Broadcast<ScoringNetwork> network = sc.broadcast(new ScoringNetwork(model.network(), model.scaler(),
                    ScoringNetwork.threadsPerTask(sc.sc())));
            JavaRDD<Row> scored = predictions.score(read.records(), network).persist(StorageLevel.MEMORY_AND_DISK_SER());
            ScoringProgress progress = new ScoringProgress(out, 10);
            sc.sc().addSparkListener(progress);
            try {
                Predictions.Summary summary;
                try {
                    summary = predictions.summarize(scored, model.classes());
                } catch (Exception e) { // task failures arrive as undeclared SparkExceptions
                    throw DataChecks.unwrap(source.key(), read.describe(), e);
                }
                DataChecks.check(data, source.key(), read.describe(), summary.records(), summary.records().problems());
                SparkSession.builder().sparkContext(sc.sc()).getOrCreate()
                        .createDataFrame(Predictions.goodRows(scored), predictions.schema())
                        .write().mode(SaveMode.Overwrite)
                        // RunDirectory writes _SUCCESS itself, last.
                        .option("mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")
                        .parquet(run.temp().toString());
                PredictionMetrics metrics = PredictionMetrics.of(model, read.describe(), summary,
                        (System.nanoTime() - start) / 1e9);
                try (OutputStream os = run.create(PredictionMetrics.FILE)) {
                    os.write(metrics.json().getBytes(StandardCharsets.UTF_8));
                }
                run.commit();
                out.printf(Locale.ROOT, "normdrop: %,d rows scored with %s in %.1f s (%,.0f rows/s)%s%s; predictions in %s%n",
                        metrics.scored(), model.file(), metrics.seconds(), metrics.rowsPerSecond(),
                        metrics.bad() > 0 ? String.format(Locale.ROOT, ", %,d bad skipped", metrics.bad()) : "",
                        metrics.accuracy() == null ? "" : String.format(Locale.ROOT, "; accuracy %.4f on %,d labeled rows",
                                metrics.accuracy(), metrics.labeled()), run.target());
                return new Outcome(run.target().toString(), metrics);
            } finally {
                sc.sc().removeSparkListener(progress);
                scored.unpersist(false);
                network.destroy();
            }
        }
    }

    /**
     * The overrides, and with {@code --data} the data paths of the model's job set to it too, so
     * that a job switched to another format ({@code --set data.format=parquet}) has the paths
     * that format requires; only the files given are read.
     */
    private List<String> withDataPaths(List<String> sets) {
        if (options.data() == null) {
            return sets;
        }
        List<String> all = new java.util.ArrayList<>(sets);
        String quoted = com.typesafe.config.ConfigUtil.quoteString(options.data());
        for (String role : List.of("train", "test")) {
            all.add("data." + role + ".path=" + quoted);
        }
        return all;
    }

    /** The job's {@code data.test}, or the files given instead. */
    private DataSource source(DataConfig data) {
        DataSource test = data.test();
        if (options.data() == null) {
            if (options.labels() != null) {
                throw new ConfigException("--labels", "goes with --data (an IDX image file)");
            }
            return test;
        }
        if (data.format() == DataFormat.IDX) {
            return new DataSource("test", options.data(), options.labels(), null, 0);
        }
        if (options.labels() != null) {
            throw new ConfigException("--labels", "is for IDX data only; data.format = " + data.format().jobName());
        }
        return new DataSource("test", null, null, options.data(), 0);
    }
}
