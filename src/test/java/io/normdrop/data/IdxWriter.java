package io.normdrop.data;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes IDX image and label files, gzipped when the name ends in {@code .gz}. */
public final class IdxWriter {
    private IdxWriter() {
    }

    public static void writeImages(Path file, int count, int rows, int cols, byte[] pixels) throws IOException {
        if ((long) count * rows * cols != pixels.length) {
            throw new IllegalArgumentException("pixels do not hold " + count + " images of " + rows + "x" + cols);
        }
        try (DataOutputStream out = open(file)) {
            out.writeInt(IdxReader.IMAGES_MAGIC);
            out.writeInt(count);
            out.writeInt(rows);
            out.writeInt(cols);
            out.write(pixels);
        }
    }

    public static void writeLabels(Path file, byte[] labels) throws IOException {
        try (DataOutputStream out = open(file)) {
            out.writeInt(IdxReader.LABELS_MAGIC);
            out.writeInt(labels.length);
            out.write(labels);
        }
    }

    private static DataOutputStream open(Path file) throws IOException {
        OutputStream raw = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        if (file.getFileName().toString().endsWith(".gz")) {
            raw = new GZIPOutputStream(raw, 1 << 16) {
                {
                    def.setLevel(java.util.zip.Deflater.BEST_COMPRESSION);
                }
            };
        }
        return new DataOutputStream(raw);
    }
}
