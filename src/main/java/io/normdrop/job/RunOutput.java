package io.normdrop.job;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.UUID;

/**
 * A run directory written atomically: everything goes to a hidden sibling
 * ({@code .NAME.tmp-UUID}), {@code _SUCCESS} is written last, and only then is the directory
 * renamed into place. A run that fails leaves nothing at the final path, and closing an
 * uncommitted output deletes the temporary directory. Works on any Hadoop file system whose
 * rename is atomic (local, HDFS).
 */
final class RunOutput implements AutoCloseable {
    static final String SUCCESS = "_SUCCESS";

    private final FileSystem fs;
    private final Path target;
    private final Path temp;
    private final boolean overwrite;
    private boolean committed;

    private RunOutput(FileSystem fs, Path target, Path temp, boolean overwrite) {
        this.fs = fs;
        this.target = target;
        this.temp = temp;
        this.overwrite = overwrite;
    }

    /**
     * Starts a run directory at {@code dir}.
     *
     * @throws OutputExistsException when {@code dir} exists and {@code overwrite} is false
     */
    static RunOutput start(String dir, boolean overwrite, Configuration hadoop) {
        try {
            Path target = new Path(dir);
            // A private instance: no .crc side files, and closing it affects no one else.
            FileSystem fs = FileSystem.newInstance(target.toUri(), hadoop);
            fs.setWriteChecksum(false);
            target = fs.makeQualified(target);
            if (fs.exists(target) && !overwrite) {
                throw new OutputExistsException(dir);
            }
            Path temp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
            fs.mkdirs(temp);
            return new RunOutput(fs, target, temp, overwrite);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create output directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The final location. */
    Path target() {
        return target;
    }

    /** The temporary directory files are written to until commit. */
    Path temp() {
        return temp;
    }

    FileSystem fileSystem() {
        return fs;
    }

    /** Creates a file in the temporary directory. */
    OutputStream create(String name) throws IOException {
        return fs.create(new Path(temp, name), false);
    }

    /** Writes {@code _SUCCESS} and moves the directory into place, replacing an old one if allowed. */
    void commit() throws IOException {
        fs.create(new Path(temp, SUCCESS), false).close();
        Path old = null;
        if (fs.exists(target)) {
            if (!overwrite) {
                throw new OutputExistsException(target.toString());
            }
            old = new Path(target.getParent(), "." + target.getName() + ".old-" + UUID.randomUUID());
            rename(target, old);
        }
        rename(temp, target);
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
            if (!committed) {
                fs.delete(temp, true);
            }
            fs.close();
        } catch (IOException e) {
            // Best effort: an uncommitted directory is hidden and never marked _SUCCESS.
        }
    }
}
