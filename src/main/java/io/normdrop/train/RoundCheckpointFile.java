package io.normdrop.train;

import io.normdrop.config.ConfigException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The binary format of a round checkpoint's files ({@link RoundCheckpoints}), checked on reading:
 * a format line, the job's resume digest, the epoch, round and workers they belong to, sizes that
 * must match the network and the run's workers and rounds, and a CRC-32 at the end.
 */
final class RoundCheckpointFile {
    static final String FORMAT = "normdrop-rounds/1";

    private RoundCheckpointFile() {
    }

    /** A checkpoint file being written, ended by the CRC-32 of its content. */
    static final class Writer extends DataOutputStream {
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

    /** Writes the header: the format, the job's resume digest, where in the run, and the number of workers. */
    static void header(DataOutputStream out, String jobDigest, int epoch, int round, int workers) throws IOException {
        out.writeUTF(FORMAT);
        out.writeUTF(jobDigest);
        out.writeInt(epoch);
        out.writeInt(round);
        out.writeInt(workers);
    }

    /** Writes a worker's progress through round {@code round}: its iterations, per round its metrics and drift sums. */
    static void writeProgress(DataOutputStream out, RoundRecovery.Progress p, int round) throws IOException {
        out.writeInt(p.iterationCount);
        DriftSums first = p.drift[0];
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

    /** Opens a checkpoint file and reads its header up to the number of workers, which comes next. */
    static Reader open(FileSystem fs, Path file, String jobDigest, int epoch, int round) throws IOException {
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
    static final class Reader extends DataInputStream {
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

    /** Reads what {@link #writeProgress} wrote, into a progress of an epoch of {@code rounds} rounds. */
    static RoundRecovery.Progress readProgress(DataInputStream in, int round, int rounds, int workers, int tensors,
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
            DriftSums d = new DriftSums(workers, tensors);
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

    static IllegalStateException damaged(Path at, String what) {
        return new IllegalStateException("the round checkpoint " + at + " " + what + "; delete it, or run without "
                + "--resume to start afresh");
    }
}
