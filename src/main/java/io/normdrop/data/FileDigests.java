package io.normdrop.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.SerializableConfiguration;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * SHA-256 of the files of a data set, for provenance, computed on the executors (one task per
 * file) so that large data never passes through the driver.
 */
public final class FileDigests {
    private FileDigests() {
    }

    /**
     * The data files at {@code path} (a file, a directory or a glob), as Hadoop's input formats
     * list them: hidden files ({@code _SUCCESS}, {@code .crc}) left out, sorted by path.
     */
    public static List<String> files(Configuration hadoop, String path) {
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(hadoop);
            FileStatus[] matched = fs.globStatus(p);
            if (matched == null || matched.length == 0) {
                throw new MissingInputException(path + ": no such file or directory", null);
            }
            List<String> out = new ArrayList<>();
            for (FileStatus s : matched) {
                for (FileStatus f : s.isDirectory() ? fs.listStatus(s.getPath()) : new FileStatus[]{s}) {
                    String name = f.getPath().getName();
                    if (f.isFile() && !name.startsWith("_") && !name.startsWith(".")) {
                        out.add(f.getPath().toString());
                    }
                }
            }
            out.sort(Comparator.naturalOrder());
            return out;
        } catch (IOException e) {
            throw new MissingInputException(path + ": cannot be listed: " + e.getMessage(), e);
        }
    }

    /** The digest of every file at {@code path}. */
    public static List<FileDigest> of(JavaSparkContext sc, String path) {
        List<String> files = files(sc.hadoopConfiguration(), path);
        SerializableConfiguration conf = new SerializableConfiguration(sc.hadoopConfiguration());
        // Results travel as strings: Spark's Kryo cannot build records.
        return sc.parallelize(files, Math.max(1, files.size())).map(f -> {
            FileDigest d = digest(conf.value(), f);
            return new String[]{d.path(), Long.toString(d.bytes()), d.sha256()};
        }).collect().stream().map(d -> new FileDigest(d[0], Long.parseLong(d[1]), d[2])).toList();
    }

    static FileDigest digest(Configuration hadoop, String file) {
        Path p = new Path(file);
        try (InputStream in = p.getFileSystem(hadoop).open(p)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 20];
            long bytes = 0;
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
                bytes += n;
            }
            return new FileDigest(file, bytes, HexFormat.of().formatHex(sha.digest()));
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
