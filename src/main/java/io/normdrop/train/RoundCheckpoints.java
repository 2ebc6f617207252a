package io.normdrop.train;

import io.normdrop.config.ConfigException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.util.SerializableConfiguration;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

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
 * <p>The files are binary and checked on reading: a format line, the job's resume digest, sizes
 * that must match the network and the run's workers and rounds, and a CRC-32 at the end.
 */
public final class RoundCheckpoints implements Serializable {
    private static final long serialVersionUID = 1L;
    static final String FORMAT = "normdrop-rounds/1";
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
            try (Writer out = new Writer(fs.create(new Path(round0, WORKER + worker), true))) {
                header(out, epoch, round, workers);
                out.writeInt(worker);
                writeProgress(out, progress, round);
                out.seal();
            }
            Path temp = new Path(round0, STATE + ".tmp");
            if (worker == 0) {
                try (Writer out = new Writer(fs.create(temp, true))) {
                    header(out, epoch, round, workers);
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

    /** A checkpoint file being written, ended by the CRC-32 of its content. */
    private static final class Writer extends DataOutputStream {
        private final CRC32 crc;

        Writer(OutputStream raw) {
            this(new CRC32(), raw);
        }

        private Writer(CRC32 crc, OutputStream raw) {
            super(new CheckedOutputStream(new BufferedOutputStream(raw, 1 << 16), crc));
            this.crc = crc;
        }

        /** Writes the checksum of everything so far. */
        void seal() throws IOException {
            writeLong(crc.getValue());
        }
    }

    private void header(DataOutputStream out, int epoch, int round, int workers) throws IOException {
        out.writeUTF(FORMAT);
        out.writeUTF(jobDigest);
        out.writeInt(epoch);
        out.writeInt(round);
        out.writeInt(workers);
    }

    private static void writeProgress(DataOutputStream out, RoundRecovery.Progress p, int round) throws IOException {
        out.writeInt(p.iterationCount);
        WorkerMean.Drift first = p.drift[0];
        out.writeInt(first.tensors);
        for (int r = 0; r <= round; r++) {
            out.writeDouble(p.lossSums[r]);
            out.writeInt(p.minibatches[r]);
            out.writeLong(p.examples[r]);
            out.writeLong(p.fitNanos[r]);
            out.writeLong(p.readNanos[r]);
            out.writeLong(p.exchangeNanos[r]);
            for (double d : p.drift[r].deviation) {
                out.writeDouble(d);
            }
            for (double d : p.drift[r].meanSquare) {
                out.writeDouble(d);
            }
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
            throw damaged(at, "cannot be read (" + e.getMessage() + ")");
        }
    }

    private Optional<RoundContinuation> read(FileSystem fs, Path at, int epoch, int round, int workers, int rounds, int params,
                                        int updater, int tensors) throws IOException {
        float[] state;
        try (Reader in = check(fs, new Path(at, STATE), epoch, round)) {
            if (in.readInt() != workers) {
                return Optional.empty();
            }
            int length = in.readInt();
            if (length != params && length != params + updater) {
                throw damaged(at, "holds " + length + " values, the network has " + params + " parameters and "
                        + updater + " updater values");
            }
            if (round >= rounds - 1) {
                throw damaged(at, "comes after round " + (round + 1) + " of an epoch of " + rounds + " rounds");
            }
            byte[] bytes = new byte[length * Float.BYTES];
            in.readFully(bytes);
            state = new float[length];
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(state);
            in.verify(at);
        }
        RoundRecovery.Progress[] progress = new RoundRecovery.Progress[workers];
        for (int w = 0; w < workers; w++) {
            try (Reader in = check(fs, new Path(at, WORKER + w), epoch, round)) {
                if (in.readInt() != workers || in.readInt() != w) {
                    throw damaged(at, "worker " + w + "'s file names another worker or number of workers");
                }
                progress[w] = readProgress(in, round, rounds, workers, tensors, at);
                in.verify(at);
            }
        }
        return Optional.of(new RoundContinuation(epoch, round, progress, state, at.toString()));
    }

    /** Opens a checkpoint file and reads its header up to the number of workers, which comes next. */
    private Reader check(FileSystem fs, Path file, int epoch, int round) throws IOException {
        Reader in = new Reader(fs.open(file));
        try {
            if (!FORMAT.equals(in.readUTF())) {
                throw damaged(file, "is not a " + FORMAT + " file");
            }
            if (!jobDigest.equals(in.readUTF())) {
                throw new ConfigException("--resume", "the job differs from the one that wrote the checkpoint in "
                        + file.getParent() + " (only training.epochs, training.checkpoint and output may change); run "
                        + "without --resume to start afresh");
            }
            if (in.readInt() != epoch || in.readInt() != round) {
                throw damaged(file, "names another epoch or round than its directory");
            }
            return in;
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** A checkpoint file being read, with the CRC-32 of what was read so far. */
    private static final class Reader extends DataInputStream {
        private final CRC32 crc;

        Reader(InputStream raw) {
            this(new CRC32(), raw);
        }

        private Reader(CRC32 crc, InputStream raw) {
            super(new CheckedInputStream(new BufferedInputStream(raw, 1 << 16), crc));
            this.crc = crc;
        }

        /** Reads the stored checksum and compares it with the content's. */
        void verify(Path at) throws IOException {
            long computed = crc.getValue();
            if (readLong() != computed) {
                throw damaged(at, "fails its checksum");
            }
        }
    }

    private static RoundRecovery.Progress readProgress(DataInputStream in, int round, int rounds, int workers, int tensors,
                                                       Path at) throws IOException {
        RoundRecovery.Progress p = new RoundRecovery.Progress(rounds);
        p.iterationCount = in.readInt();
        if (in.readInt() != tensors) {
            throw damaged(at, "its drift counts another number of parameter tensors than the network's " + tensors);
        }
        for (int r = 0; r <= round; r++) {
            p.lossSums[r] = in.readDouble();
            p.minibatches[r] = in.readInt();
            p.examples[r] = in.readLong();
            p.fitNanos[r] = in.readLong();
            p.readNanos[r] = in.readLong();
            p.exchangeNanos[r] = in.readLong();
            WorkerMean.Drift d = new WorkerMean.Drift(workers, tensors);
            for (int i = 0; i < d.deviation.length; i++) {
                d.deviation[i] = in.readDouble();
            }
            for (int i = 0; i < d.meanSquare.length; i++) {
                d.meanSquare[i] = in.readDouble();
            }
            p.drift[r] = d;
        }
        p.round = round;
        return p;
    }

    private static IllegalStateException damaged(Path at, String what) {
        return new IllegalStateException("the round checkpoint " + at + " " + what + "; delete it, or run without "
                + "--resume to start afresh");
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
