package io.normdrop.store;

import io.normdrop.config.OutputConfig;
import io.normdrop.config.QualityConfig;
import io.normdrop.metrics.MetricsFiles;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.UUID;

/**
 * The published model of a job that runs with run ids: {@code JOB_DIR/published} is a copy of
 * the last run that passed the quality gate, and {@code JOB_DIR/LATEST} holds its run id. Both
 * are replaced by renames, so a reader sees the old publication or the new one, never a mix.
 */
public final class Publication {
    static final String PUBLISHED = OutputConfig.PUBLISHED;
    static final String LATEST = "LATEST";

    private Publication() {
    }

    /**
     * Applies the quality gate to a committed run and, when it has a run id, publishes it if it
     * passes (a line on {@code out}).
     *
     * @throws QualityGateException when it fails: the run stays, nothing is published
     */
    public static void gateAndPublish(QualityConfig quality, RunDirectory run, double accuracy, PrintWriter out)
            throws IOException {
        Path jobDir = run.target().getParent();
        String runId = run.runId();
        OptionalDouble published = runId == null ? OptionalDouble.empty() : publishedAccuracy(run.fileSystem(), jobDir);
        Optional<String> failure = gateFailure(accuracy, published, quality);
        if (failure.isPresent()) {
            throw new QualityGateException("quality gate failed: " + failure.get() + "; the run is kept in "
                    + run.target() + (runId == null ? "" : ", nothing was published"));
        }
        if (runId != null) {
            publish(run.fileSystem(), jobDir, run.target(), runId);
            out.printf("normdrop: published run %s as %s/%s%s%n", runId, jobDir, PUBLISHED,
                    published.isPresent() ? String.format(Locale.ROOT, " (test accuracy %.4f, before %.4f)", accuracy,
                            published.getAsDouble()) : "");
        }
    }

    /** The test accuracy of the published run, if there is one. */
    static OptionalDouble publishedAccuracy(FileSystem fs, Path jobDir) throws IOException {
        Path metrics = new Path(new Path(jobDir, PUBLISHED), MetricsFiles.JSON_FILE);
        if (!fs.exists(metrics)) {
            return OptionalDouble.empty();
        }
        try (FSDataInputStream in = fs.open(metrics)) {
            return OptionalDouble.of(MetricsFiles.read(in, metrics.toString()).at("/result/accuracy").asDouble());
        }
    }

    /**
     * Why a run with {@code accuracy} fails the gate, or empty when it passes.
     *
     * @param published the published run's accuracy, if any
     */
    static Optional<String> gateFailure(double accuracy, OptionalDouble published, QualityConfig q) {
        if (accuracy < q.minAccuracy()) {
            return Optional.of(String.format(Locale.ROOT, "test accuracy %.4f is below quality.minAccuracy %.4f",
                    accuracy, q.minAccuracy()));
        }
        if (q.maxDrop() != null && published.isPresent() && accuracy < published.getAsDouble() - q.maxDrop()) {
            return Optional.of(String.format(Locale.ROOT,
                    "test accuracy %.4f is more than quality.maxDrop %.4f below the published run's %.4f",
                    accuracy, q.maxDrop(), published.getAsDouble()));
        }
        return Optional.empty();
    }

    /** Makes {@code runDir} the published run of {@code jobDir} and names it in LATEST. */
    static void publish(FileSystem fs, Path jobDir, Path runDir, String runId) throws IOException {
        Path published = new Path(jobDir, PUBLISHED);
        Path fresh = new Path(jobDir, "." + PUBLISHED + ".tmp-" + UUID.randomUUID());
        if (!FileUtil.copy(fs, runDir, fs, fresh, false, true, fs.getConf())) {
            throw new IOException("could not copy " + runDir + " to " + fresh);
        }
        Path old = null;
        if (fs.exists(published)) {
            old = new Path(jobDir, "." + PUBLISHED + ".old-" + UUID.randomUUID());
            rename(fs, published, old);
        }
        rename(fs, fresh, published);
        if (old != null) {
            fs.delete(old, true);
        }
        Path latestTemp = new Path(jobDir, "." + LATEST + ".tmp-" + UUID.randomUUID());
        try (OutputStream os = fs.create(latestTemp, false)) {
            os.write((runId + "\n").getBytes(StandardCharsets.UTF_8));
        }
        fs.delete(new Path(jobDir, LATEST), false);
        rename(fs, latestTemp, new Path(jobDir, LATEST));
    }

    private static void rename(FileSystem fs, Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("could not rename " + from + " to " + to);
        }
    }
}
