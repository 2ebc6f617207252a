package io.normdrop.data;

import io.normdrop.config.DataSource;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads MNIST-format IDX files (unsigned-byte images and labels), gzipped or not (detected by
 * content, not by name), from any file system Hadoop supports. Every fault is reported as a
 * {@link DataException} whose one-line message names the file, the record and what is wrong;
 * a file that cannot be found or opened is a {@link MissingInputException}.
 */
public final class IdxReader {
    /** Magic number of an IDX file of unsigned bytes with 3 dimensions (images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an IDX file of unsigned bytes with 1 dimension (labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    private static final int MAX_SIDE = 10_000;

    private final Configuration hadoop;

    public IdxReader(Configuration hadoop) {
        this.hadoop = hadoop;
    }

    /**
     * Reads a source's images and labels, checks they agree and that every label is a class of
     * the model.
     *
     * @param source     the image and label files and the example limit
     * @param numClasses classes the model predicts; labels must lie in 0..numClasses-1
     */
    public LabeledImages read(DataSource source, int numClasses) {
        int limit = source.limit() == 0 ? Integer.MAX_VALUE : source.limit();
        Images images = readImages(source.images(), limit);
        Labels labels = readLabels(source.labels(), limit);
        if (images.declared != labels.declared) {
            throw new DataException(source.key() + ": " + source.images() + " holds " + images.declared
                    + " images but " + source.labels() + " holds " + labels.declared + " labels");
        }
        if (images.count == 0) {
            throw new DataException(source.images() + ": empty data set (0 images)");
        }
        for (int i = 0; i < labels.count; i++) {
            int label = labels.bytes[i] & 0xFF;
            if (label >= numClasses) {
                throw new DataException(source.labels() + ": record " + i + ": label " + label
                        + " out of range for a model with " + numClasses + " classes (0.." + (numClasses - 1) + ")");
            }
        }
        return new LabeledImages(images.count, images.rows, images.cols, images.bytes, labels.bytes,
                List.of(images.digest, labels.digest));
    }

    /** Reads a source's images alone, for scoring without labels (every label 0, unused). */
    public LabeledImages readUnlabeled(DataSource source) {
        Images images = readImages(source.images(), source.limit() == 0 ? Integer.MAX_VALUE : source.limit());
        if (images.count == 0) {
            throw new DataException(source.images() + ": empty data set (0 images)");
        }
        return new LabeledImages(images.count, images.rows, images.cols, images.bytes, new byte[images.count],
                List.of(images.digest));
    }

    record Images(int declared, int count, int rows, int cols, byte[] bytes, FileDigest digest) {
    }

    record Labels(int declared, int count, byte[] bytes, FileDigest digest) {
    }

    /** Reads up to {@code limit} images of an IDX image file. */
    Images readImages(String path, int limit) {
        try (Source in = open(path)) {
            int magic = in.header("magic number");
            checkMagic(path, magic, IMAGES_MAGIC, "images");
            int declared = in.header("image count");
            int rows = in.header("row count");
            int cols = in.header("column count");
            if (declared < 0 || rows <= 0 || cols <= 0 || rows > MAX_SIDE || cols > MAX_SIDE) {
                throw new DataException(path + ": header: implausible dimensions " + declared + " x " + rows + " x " + cols);
            }
            int count = Math.min(declared, limit);
            int imageBytes = rows * cols;
            if ((long) count * imageBytes > Integer.MAX_VALUE - 8) {
                throw new DataException(path + ": " + count + " images of " + rows + "x" + cols
                        + " exceed 2 GiB; use data.train.limit to read fewer");
            }
            byte[] bytes = new byte[count * imageBytes];
            int got = in.readInto(bytes, "image", imageBytes);
            if (got < bytes.length) {
                throw new DataException(path + ": truncated: header declares " + declared + " images, data ends in image "
                        + (got / imageBytes) + " (" + got + " of " + bytes.length + " bytes)");
            }
            return new Images(declared, count, rows, cols, bytes, in.finish());
        } catch (IOException e) {
            throw new DataException(path + ": read failed: " + e.getMessage(), e);
        }
    }

    /** Reads up to {@code limit} labels of an IDX label file. */
    Labels readLabels(String path, int limit) {
        try (Source in = open(path)) {
            int magic = in.header("magic number");
            checkMagic(path, magic, LABELS_MAGIC, "labels");
            int declared = in.header("label count");
            if (declared < 0) {
                throw new DataException(path + ": header: negative label count " + declared);
            }
            int count = Math.min(declared, limit);
            byte[] bytes = new byte[count];
            int got = in.readInto(bytes, "label", 1);
            if (got < count) {
                throw new DataException(path + ": truncated: header declares " + declared + " labels, data ends at label " + got);
            }
            return new Labels(declared, count, bytes, in.finish());
        } catch (IOException e) {
            throw new DataException(path + ": read failed: " + e.getMessage(), e);
        }
    }

    private static void checkMagic(String path, int magic, int expected, String what) {
        if (magic != expected) {
            String hint = magic == IMAGES_MAGIC ? " (an IDX image file)" : magic == LABELS_MAGIC ? " (an IDX label file)" : "";
            throw new DataException(String.format("%s: wrong magic number 0x%08X%s, expected 0x%08X for IDX %s",
                    path, magic, hint, expected, what));
        }
    }

    private Source open(String path) {
        InputStream raw;
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(hadoop);
            raw = fs.open(p);
        } catch (FileNotFoundException e) {
            throw new MissingInputException(path + ": no such file", e);
        } catch (IOException | IllegalArgumentException e) {
            throw new MissingInputException(path + ": cannot open: " + e.getMessage(), e);
        }
        return new Source(path, raw);
    }

    /** One IDX file being read: digesting the stored bytes, decompressing when gzipped. */
    private static final class Source implements AutoCloseable {
        private final String path;
        private final DigestInputStream digested;
        private final DataInputStream data;
        private final boolean gzipped;
        private long storedBytes;

        Source(String path, InputStream raw) throws DataException {
            this.path = path;
            try {
                this.digested = new DigestInputStream(raw, MessageDigest.getInstance("SHA-256"));
                BufferedInputStream buffered = new BufferedInputStream(new CountingStream(digested), 1 << 16);
                buffered.mark(2);
                int b1 = buffered.read();
                int b2 = buffered.read();
                buffered.reset();
                gzipped = b1 == 0x1f && b2 == 0x8b;
                InputStream content = gzipped ? new GZIPInputStream(buffered, 1 << 16) : buffered;
                this.data = new DataInputStream(content);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            } catch (ZipException e) {
                throw new DataException(path + ": corrupt gzip header: " + e.getMessage(), e);
            } catch (IOException e) {
                throw new DataException(path + ": read failed: " + e.getMessage(), e);
            }
        }

        int header(String field) throws IOException {
            try {
                return data.readInt();
            } catch (EOFException e) {
                throw new DataException(path + ": truncated header: file ends before the " + field, e);
            } catch (ZipException e) {
                throw new DataException(path + ": corrupt gzip data in the header: " + e.getMessage(), e);
            }
        }

        /** Reads as many bytes as fit; returns how many were read before the data ended. */
        int readInto(byte[] into, String record, int recordBytes) throws IOException {
            int off = 0;
            try {
                while (off < into.length) {
                    int n = data.read(into, off, into.length - off);
                    if (n < 0) {
                        break;
                    }
                    off += n;
                }
                return off;
            } catch (EOFException e) {
                throw new DataException(path + ": truncated gzip stream in " + record + " " + (off / recordBytes), e);
            } catch (ZipException e) {
                throw new DataException(path + ": corrupt gzip data in " + record + " " + (off / recordBytes)
                        + ": " + e.getMessage(), e);
            }
        }

        /** Reads the rest of the stored file for the digest and returns it. */
        FileDigest finish() throws IOException {
            byte[] sink = new byte[1 << 16];
            int n;
            // Bytes still buffered above were digested and counted already; drain the rest here.
            while ((n = digested.read(sink)) >= 0) {
                storedBytes += n;
            }
            return new FileDigest(path, storedBytes, HexFormat.of().formatHex(digested.getMessageDigest().digest()));
        }

        @Override
        public void close() throws IOException {
            data.close();
        }

        /** Counts stored bytes as they pass, whichever reader pulls them. */
        private final class CountingStream extends java.io.FilterInputStream {
            CountingStream(InputStream in) {
                super(in);
            }

            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    storedBytes++;
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    storedBytes += n;
                }
                return n;
            }
        }
    }
}
