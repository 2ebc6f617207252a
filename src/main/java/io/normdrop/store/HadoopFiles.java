package io.normdrop.store;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/** The job's writes to Hadoop file systems: no .crc side files, and whole files or none. */
public final class HadoopFiles {
    /** File systems whose directory rename is one atomic metadata operation. */
    private static final Set<String> ATOMIC_RENAME = Set.of("file", "hdfs", "viewfs");

    private HadoopFiles() {
    }

    /**
     * A private file system instance for {@code uri} that writes no .crc side files; closing it
     * affects no one else. The caller closes it.
     */
    public static FileSystem open(URI uri, Configuration hadoop) throws IOException {
        FileSystem fs = FileSystem.newInstance(uri, hadoop);
        fs.setWriteChecksum(false);
        return fs;
    }

    /**
     * Whether {@code fs} renames a directory atomically (local, HDFS): on object stores
     * ({@code s3a:}, {@code gs:}, {@code abfs:} ...) a rename copies object after object, and a
     * reader can see the copy half done.
     */
    public static boolean renamesAtomically(FileSystem fs) {
        return ATOMIC_RENAME.contains(fs.getUri().getScheme());
    }

    /** Writes {@code text} next to {@code file}, then renames it into place. */
    public static void writeAtomically(String file, String text, Configuration hadoop) throws IOException {
        writeAtomically(file, text.getBytes(StandardCharsets.UTF_8), true, hadoop);
    }

    /**
     * Writes {@code bytes} next to {@code file}, then renames it into place: a reader sees the
     * whole file or none.
     *
     * @throws OutputExistsException when the file exists and {@code overwrite} is false
     */
    public static void writeAtomically(String file, byte[] bytes, boolean overwrite, Configuration hadoop)
            throws IOException {
        Path target = new Path(file);
        try (FileSystem fs = open(target.toUri(), hadoop)) {
            target = fs.makeQualified(target);
            if (!overwrite && fs.exists(target)) {
                throw OutputExistsException.file(target.toString());
            }
            Path temp = new Path(target.getParent(), "." + target.getName() + ".tmp");
            try (OutputStream os = fs.create(temp, true)) {
                os.write(bytes);
            }
            fs.delete(target, false);
            if (!fs.rename(temp, target)) {
                throw new IOException("could not rename " + temp + " to " + target);
            }
        }
    }
}
