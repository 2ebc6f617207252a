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
 * The published model of a job that runs with run ids: {@code JOB_DIR/LATEST} holds the run id
 * of the last run that passed the quality gate, whose directory {@code JOB_DIR/RUN_ID} stays as
 * it was committed. A reader sees the old publication or the new one, never a mix, on every file
 * system:
 * <ul>
 *   <li>where a rename is atomic (local, HDFS) {@code JOB_DIR/published} is also a copy of the
 *       run, swapped in by renames, and {@code LATEST} is written aside and renamed into place;</li>
 *   <li>on object stores, where a rename is a copy ({@code s3a:}, {@code gs:}, {@code abfs:}),
 *       nothing is copied or renamed: publishing is one small overwrite of {@code LATEST}, which
 *       an object store makes visible whole or not at all. Consumers read {@code LATEST} and load
 *       the run it names ({@link #resolve}; {@code normdrop predict JOB_DIR} does).</li>
 * </ul>
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
            out.printf("normdrop: published run %s as %s%s%n", runId, HadoopFiles.renamesAtomically(run.fileSystem())
                            ? jobDir + "/" + PUBLISHED : jobDir + "/" + LATEST + " (this file system renames by copying:"
                            + " consumers load the run LATEST names)",
                    published.isPresent() ? String.format(Locale.ROOT, " (test accuracy %.4f, before %.4f)", accuracy,
                            published.getAsDouble()) : "");
        }
    }

    /** The test accuracy of the published run, if there is one. */
    static OptionalDouble publishedAccuracy(FileSystem fs, Path jobDir) throws IOException {
        Optional<Path> run = publishedRun(fs, jobDir);
        Path metrics = new Path(run.orElse(new Path(jobDir, PUBLISHED)), MetricsFiles.JSON_FILE);
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

    /** The directory of the run {@code jobDir/LATEST} names, if there is one. */
    static Optional<Path> publishedRun(FileSystem fs, Path jobDir) throws IOException {
        Path latest = new Path(jobDir, LATEST);
        if (!fs.exists(latest)) {
            return Optional.empty();
        }
        try (FSDataInputStream in = fs.open(latest)) {
            String runId = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            return runId.isEmpty() ? Optional.empty() : Optional.of(new Path(jobDir, runId));
        }
    }

    /**
     * Where to load a model from {@code dir}: the run {@code dir/LATEST} names when {@code dir}
     * is a job directory (it holds {@code LATEST} and no {@code _SUCCESS} of its own), else
     * {@code dir} itself.
     */
    public static Path resolve(FileSystem fs, Path dir) throws IOException {
        if (fs.exists(new Path(dir, RunDirectory.SUCCESS))) {
            return dir;
        }
        return publishedRun(fs, dir).orElse(dir);
    }

    /** Makes {@code runDir} the published run of {@code jobDir} and names it in LATEST. */
    static void publish(FileSystem fs, Path jobDir, Path runDir, String runId) throws IOException {
        if (!HadoopFiles.renamesAtomically(fs)) {
            // One small write: an object store shows the old LATEST or the new one, never a part.
            try (OutputStream os = fs.create(new Path(jobDir, LATEST), true)) {
                os.write((runId + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return;
        }
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
