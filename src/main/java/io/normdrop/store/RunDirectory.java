package io.normdrop.store;

import io.normdrop.config.ConfigException;
import io.normdrop.config.OutputConfig;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;
import java.util.UUID;

/**
 * A run directory written atomically, by one run at a time, resumable after a crash.
 *
 * <p>Next to the run directory {@code NAME} live, while the run is in progress, a lock file
 * {@code .NAME.lock} (host, process id and start time of its owner) and a working directory
 * {@code .NAME.inprogress}. Files go to the working directory; epoch checkpoints go to its
 * {@code checkpoint-N} subdirectories. {@link #commit()} removes the checkpoints, writes
 * {@code _SUCCESS} last and renames the working directory into place, so a run that fails leaves
 * nothing at the final path. A run that fails after a checkpoint keeps its working directory
 * for {@code --resume}; one that fails before keeps nothing. A second run on the same directory
 * while the lock is held is refused; a lock whose owner died on this host is taken over
 * ({@link RunLock}).
 * Works on any Hadoop file system whose rename is atomic (local, HDFS).
 *
 * <p>With a run id ({@code output.runId}) the run directory is {@code output.dir/RUN_ID}, and the
 * job's directory {@code output.dir} holds the published copy ({@link Publication}).
 */
public final class RunDirectory implements AutoCloseable {
    static final String SUCCESS = "_SUCCESS";
    /** Prefix of the checkpoint subdirectories of the working directory. */
    static final String CHECKPOINT = "checkpoint-";
    /** Subdirectory of the working directory for the checkpoints inside an epoch (the trainer's). */
    static final String ROUNDS = "rounds";

    private final FileSystem fs;
    private final String runId;
    private final Path target;
    private final Path work;
    private final RunLock lock;
    private final boolean overwrite;
    private boolean committed;

    private RunDirectory(FileSystem fs, String runId, Path target, boolean overwrite) {
        this.fs = fs;
        this.runId = runId;
        this.target = target;
        this.work = new Path(target.getParent(), "." + target.getName() + ".inprogress");
        this.lock = new RunLock(fs, target);
        this.overwrite = overwrite;
    }

    /**
     * Starts the run directory of a job's run: takes the lock and prepares the working directory.
     *
     * @param started when the run started: {@code output.runId = auto} names the run after it (UTC,
     *                to the second)
     * @param resume  keep the working directory of an interrupted run (its checkpoints); otherwise
     *                start from an empty one
     * @throws OutputExistsException   when the run directory exists and {@code overwrite} is false
     * @throws RunInProgressException when another live run holds the lock
     */
    public static RunDirectory start(OutputConfig output, Instant started, boolean overwrite, boolean resume,
                                     Configuration hadoop) {
        String runId = output.runId();
        if (OutputConfig.AUTO_RUN_ID.equals(runId)) {
            if (resume) {
                throw new ConfigException("output.runId", "auto cannot be resumed: give the id of the run to resume (--run-id ID)");
            }
            runId = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(started);
        }
        return start(runId == null ? output.dir() : output.dir() + "/" + runId, runId, overwrite, resume, hadoop);
    }

    static RunDirectory start(String dir, String runId, boolean overwrite, boolean resume, Configuration hadoop) {
        FileSystem fs = null;
        try {
            Path target = new Path(dir);
            fs = HadoopFiles.open(target.toUri(), hadoop);
            RunDirectory out = new RunDirectory(fs, runId, fs.makeQualified(target), overwrite);
            if (fs.exists(out.target) && !overwrite) {
                throw new OutputExistsException(dir);
            }
            out.lock.acquire();
            if (!resume && fs.exists(out.work)) {
                fs.delete(out.work, true);
            }
            fs.mkdirs(out.work);
            return out;
        } catch (IOException e) {
            closeQuietly(fs);
            throw new UncheckedIOException("cannot create output directory " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(fs);
            throw e;
        }
    }

    /** Starts a fresh run without a run id at {@code dir} (scoring's output, tests). */
    public static RunDirectory start(String dir, boolean overwrite, Configuration hadoop) {
        return start(dir, null, overwrite, false, hadoop);
    }

    /** Starts a run without a run id at {@code dir}, resuming or not. */
    static RunDirectory start(String dir, boolean overwrite, boolean resume, Configuration hadoop) {
        return start(dir, null, overwrite, resume, hadoop);
    }

    /** The run's id, or null when it has none (the run directory is then {@code output.dir}). */
    public String runId() {
        return runId;
    }

    /** The final location. */
    public Path target() {
        return target;
    }

    /** The working directory files are written to until commit. */
    public Path temp() {
        return work;
    }

    FileSystem fileSystem() {
        return fs;
    }

    /**
     * Where the trainer checkpoints inside an epoch ({@code training.checkpoint.everyRounds}): a
     * subdirectory of the working directory, kept for --resume like the epoch checkpoints and
     * removed by {@link #commit()}.
     */
    public Path roundCheckpoints() {
        return new Path(work, ROUNDS);
    }

    /** Creates a file in the working directory. */
    public OutputStream create(String name) throws IOException {
        return fs.create(new Path(work, name), true);
    }

    /** Where the checkpoint of {@code epoch} is (or would be). */
    Path checkpoint(int epoch) {
        return new Path(work, CHECKPOINT + epoch);
    }

    /** A new, empty directory for the checkpoint of {@code epoch}. */
    Path newCheckpoint(int epoch) throws IOException {
        Path p = checkpoint(epoch);
        fs.delete(p, true);
        fs.mkdirs(p);
        return p;
    }

    /** Deletes the checkpoints before {@code epoch}, once that one is complete, but that of epoch {@code keep}. */
    void dropCheckpointsBefore(int epoch, int keep) throws IOException {
        for (FileStatus s : checkpointDirs()) {
            if (epochOf(s.getPath()) < epoch && epochOf(s.getPath()) != keep) {
                fs.delete(s.getPath(), true);
            }
        }
    }

    /** The newest checkpoint directory that holds {@code complete} (its last-written file), if any. */
    Optional<Path> latestCheckpoint(String complete) throws IOException {
        return Arrays.stream(checkpointDirs())
                .map(FileStatus::getPath)
                .sorted(Comparator.comparingInt(RunDirectory::epochOf).reversed())
                .filter(p -> exists(new Path(p, complete)))
                .findFirst();
    }

    private boolean exists(Path p) {
        try {
            return fs.exists(p);
        } catch (IOException e) {
            return false;
        }
    }

    private FileStatus[] checkpointDirs() throws IOException {
        if (!fs.exists(work)) {
            return new FileStatus[0];
        }
        return fs.listStatus(work, p -> p.getName().startsWith(CHECKPOINT) && epochOf(p) >= 0);
    }

    private static int epochOf(Path p) {
        try {
            return Integer.parseInt(p.getName().substring(CHECKPOINT.length()));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Removes the checkpoints, writes {@code _SUCCESS} and moves the directory into place, replacing an old one if allowed. */
    public void commit() throws IOException {
        for (FileStatus s : checkpointDirs()) {
            fs.delete(s.getPath(), true);
        }
        fs.delete(roundCheckpoints(), true);
        fs.create(new Path(work, SUCCESS), false).close();
        Path old = null;
        if (fs.exists(target)) {
            if (!overwrite) {
                throw new OutputExistsException(target.toString());
            }
            old = new Path(target.getParent(), "." + target.getName() + ".old-" + UUID.randomUUID());
            rename(target, old);
        }
        rename(work, target);
        committed = true;
        if (old != null) {
            fs.delete(old, true);
        }
    }

    private void rename(Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("could not rename " + from + " to " + to);
        }
    }

    @Override
    public void close() {
        try {
            if (!committed && checkpointDirs().length == 0 && !holdsRoundCheckpoints()) {
                fs.delete(work, true);
            }
            lock.release();
        } catch (IOException e) {
            // Best effort: an uncommitted directory is hidden and never marked _SUCCESS.
        } finally {
            closeQuietly(fs);
        }
    }

    /** Whether the trainer left checkpoints inside an epoch. */
    boolean holdsRoundCheckpoints() throws IOException {
        return fs.exists(roundCheckpoints()) && fs.listStatus(roundCheckpoints()).length > 0;
    }

    private static void closeQuietly(FileSystem fs) {
        try {
            if (fs != null) {
                fs.close();
            }
        } catch (IOException e) {
            // nothing to do
        }
    }
}
