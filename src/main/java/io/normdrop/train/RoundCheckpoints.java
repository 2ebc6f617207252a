package io.normdrop.train;

import io.normdrop.config.ConfigException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.util.SerializableConfiguration;

import java.io.EOFException;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;

/**
 * Checkpoints inside an allreduce epoch ({@code training.checkpoint.everyRounds}), so that a run
 * whose driver died resumes after the epoch's last checkpointed round, not from its start.
 *
 * <p>The workers write them, inside the epoch's barrier stage, into a directory on the run's
 * file system: after round {@code R} of epoch {@code E}, each worker writes its progress (the
 * per-round metrics so far and its iteration count) to {@code epoch-E-round-R/worker-W}, the first
 * worker the averaged parameters and updater state (the same on every worker after a round) to
 * {@code state}, after all workers have written, by renaming: a directory without {@code state}
 * is incomplete and ignored. The first worker then deletes the epoch's older ones; the driver
 * deletes an epoch's once the epoch's own checkpoint is written. A resumed run loads the state on
 * the driver, broadcasts it as the epoch's parameters, and its workers skip the minibatches of
 * the rounds already trained: every epoch's minibatches are the same for the same seed.
 *
 * <p>The files are binary and checked on reading ({@link RoundCheckpointFile}).
 */
public final class RoundCheckpoints implements Serializable {
    private static final long serialVersionUID = 1L;
    static final String STATE = "state";
    private static final String WORKER = "worker-";

    /** No checkpoints inside epochs. */
    public static final RoundCheckpoints NONE = new RoundCheckpoints(null, 0, "", null);

    private final String dir;
    private final int every;
    private final String jobDigest;
    private final SerializableConfiguration hadoop;

    private RoundCheckpoints(String dir, int every, String jobDigest, SerializableConfiguration hadoop) {
        this.dir = dir;
        this.every = every;
        this.jobDigest = jobDigest;
        this.hadoop = hadoop;
    }

    /**
     * Checkpoints every {@code every} rounds (0: none) in {@code dir}, a directory every executor
     * reaches.
     *
     * @param jobDigest the job's resume digest: a checkpoint of another job is refused
     */
    public static RoundCheckpoints at(Path dir, int every, String jobDigest, Configuration hadoop) {
        return new RoundCheckpoints(dir.toString(), every, jobDigest, new SerializableConfiguration(hadoop));
    }

    /** Whether round {@code round} (0-based) of {@code rounds} ends with a checkpoint: not the last, which the epoch's checkpoint covers. */
    boolean due(int round, int rounds) {
        return every > 0 && (round + 1) % every == 0 && round < rounds - 1;
    }

    // ---- on the executors, inside the epoch's barrier stage ----

    /**
     * Checkpoints round {@code round} of {@code epoch}: every task of the stage calls this after
     * the round's average. Returns once the checkpoint is complete.
     *
     * @param v          the average (the first {@code length} values: parameters, then updater
     *                   state when it is averaged); read by the first worker only
     * @param allWritten returns once every worker has written its progress (a barrier)
     */
    void write(int epoch, int round, int worker, int workers, RoundRecovery.Progress progress, float[] v, int length,
               Runnable allWritten) {
        Path round0 = roundDir(epoch, round);
        try {
            FileSystem fs = round0.getFileSystem(hadoop.value());
            try (RoundCheckpointFile.Writer out = new RoundCheckpointFile.Writer(fs.create(new Path(round0, WORKER + worker), true))) {
                RoundCheckpointFile.header(out, jobDigest, epoch, round, workers);
                out.writeInt(worker);
                RoundCheckpointFile.writeProgress(out, progress, round);
                out.seal();
            }
            Path temp = new Path(round0, STATE + ".tmp");
            if (worker == 0) {
                try (RoundCheckpointFile.Writer out = new RoundCheckpointFile.Writer(fs.create(temp, true))) {
                    RoundCheckpointFile.header(out, jobDigest, epoch, round, workers);
                    out.writeInt(length);
                    ByteBuffer b = ByteBuffer.allocate(length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                    b.asFloatBuffer().put(v, 0, length);
                    out.write(b.array());
                    out.seal();
                }
            }
            allWritten.run();
            if (worker == 0) {
                if (!fs.rename(temp, new Path(round0, STATE))) {
                    throw new IOException("could not rename " + temp + " to " + STATE);
                }
                for (FileStatus s : list(fs)) {
                    int[] er = epochRound(s.getPath().getName());
                    if (er[0] < epoch || er[0] == epoch && er[1] < round) {
                        fs.delete(s.getPath(), true);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot checkpoint round " + (round + 1) + " of epoch " + epoch + " in "
                    + round0 + ": " + e.getMessage(), e);
        }
    }

    // ---- on the driver ----

    /**
     * The newest complete checkpoint inside {@code epoch}, for a run with {@code workers} workers,
     * {@code rounds} rounds in that epoch and a network of {@code params} parameters and
     * {@code updater} updater-state values.
     *
     * @return empty when there is none, or when it was written with another number of workers
     * (the epoch's shares would differ): the epoch then starts over
     * @throws ConfigException       when it belongs to another job
     * @throws IllegalStateException when it is damaged
     */
    public Optional<RoundContinuation> latest(int epoch, int workers, int rounds, int params, int updater, int tensors)
            throws IOException {
        if (dir == null) {
            return Optional.empty();
        }
        FileSystem fs = new Path(dir).getFileSystem(hadoop.value());
        Optional<Path> newest = Arrays.stream(list(fs)).map(FileStatus::getPath)
                .filter(p -> epochRound(p.getName())[0] == epoch)
                .filter(p -> exists(fs, new Path(p, STATE)))
                .max(Comparator.comparingInt(p -> epochRound(p.getName())[1]));
        if (newest.isEmpty()) {
            return Optional.empty();
        }
        Path at = newest.get();
        int round = epochRound(at.getName())[1];
        try {
            return read(fs, at, epoch, round, workers, rounds, params, updater, tensors);
        } catch (ChecksumException | EOFException e) {
            throw RoundCheckpointFile.damaged(at, "cannot be read (" + e.getMessage() + ")");
        }
    }

    private Optional<RoundContinuation> read(FileSystem fs, Path at, int epoch, int round, int workers, int rounds, int params,
                                        int updater, int tensors) throws IOException {
        float[] state;
        try (RoundCheckpointFile.Reader in = RoundCheckpointFile.open(fs, new Path(at, STATE), jobDigest, epoch, round)) {
            if (in.readInt() != workers) {
                return Optional.empty();
            }
            int length = in.readInt();
            if (length != params && length != params + updater) {
                throw RoundCheckpointFile.damaged(at, "holds " + length + " values, the network has " + params + " parameters and "
                        + updater + " updater values");
            }
            if (round >= rounds - 1) {
                throw RoundCheckpointFile.damaged(at, "comes after round " + (round + 1) + " of an epoch of " + rounds + " rounds");
            }
            byte[] bytes = new byte[length * Float.BYTES];
            in.readFully(bytes);
            state = new float[length];
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(state);
            in.verify(at);
        }
        RoundRecovery.Progress[] progress = new RoundRecovery.Progress[workers];
        for (int w = 0; w < workers; w++) {
            try (RoundCheckpointFile.Reader in = RoundCheckpointFile.open(fs, new Path(at, WORKER + w), jobDigest, epoch, round)) {
                if (in.readInt() != workers || in.readInt() != w) {
                    throw RoundCheckpointFile.damaged(at, "worker " + w + "'s file names another worker or number of workers");
                }
                progress[w] = RoundCheckpointFile.readProgress(in, round, rounds, workers, tensors, at);
                in.verify(at);
            }
        }
        return Optional.of(new RoundContinuation(epoch, round, progress, state, at.toString()));
    }

    /** Deletes the checkpoints of {@code epoch} and before (its epoch checkpoint is written). */
    public void dropThrough(int epoch) throws IOException {
        if (dir == null) {
            return;
        }
        FileSystem fs = new Path(dir).getFileSystem(hadoop.value());
        for (FileStatus s : list(fs)) {
            if (epochRound(s.getPath().getName())[0] <= epoch) {
                fs.delete(s.getPath(), true);
            }
        }
    }

    private Path roundDir(int epoch, int round) {
        return new Path(dir, "epoch-" + epoch + "-round-" + (round + 1));
    }

    private FileStatus[] list(FileSystem fs) throws IOException {
        Path d = new Path(dir);
        if (!fs.exists(d)) {
            return new FileStatus[0];
        }
        return fs.listStatus(d, p -> epochRound(p.getName())[0] > 0);
    }

    /** {epoch, round (0-based)} of a checkpoint directory's name; {-1, -1} for any other name. */
    private static int[] epochRound(String name) {
        String[] parts = name.split("-");
        try {
            if (parts.length == 4 && parts[0].equals("epoch") && parts[2].equals("round")) {
                return new int[]{Integer.parseInt(parts[1]), Integer.parseInt(parts[3]) - 1};
            }
        } catch (NumberFormatException e) {
            // not one of ours
        }
        return new int[]{-1, -1};
    }

    private static boolean exists(FileSystem fs, Path p) {
        try {
            return fs.exists(p);
        } catch (IOException e) {
            return false;
        }
    }
}
