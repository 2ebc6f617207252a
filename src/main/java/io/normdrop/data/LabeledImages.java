package io.normdrop.data;

import java.util.List;

/**
 * Images and their labels as read from IDX files: raw unsigned bytes, row-major, one image
 * after another.
 *
 * @param count   number of examples
 * @param rows    image height in pixels
 * @param cols    image width in pixels
 * @param pixels  {@code count * rows * cols} bytes, each an unsigned intensity 0..255
 * @param labels  {@code count} bytes, each an unsigned class index
 * @param digests SHA-256 of each file read, as stored (compressed or not)
 */
public record LabeledImages(int count, int rows, int cols, byte[] pixels, byte[] labels, List<FileDigest> digests) {
    public LabeledImages {
        if ((long) count * rows * cols != pixels.length || count != labels.length) {
            throw new IllegalArgumentException("pixels/labels do not match " + count + " images of " + rows + "x" + cols);
        }
        digests = List.copyOf(digests);
    }

    /** Features per example (rows x cols). */
    public int features() {
        return rows * cols;
    }

    /** The unsigned label of example {@code i}. */
    public int label(int i) {
        return labels[i] & 0xFF;
    }

    /** The first {@code n} examples. */
    public LabeledImages head(int n) {
        return new LabeledImages(n, rows, cols, java.util.Arrays.copyOf(pixels, n * features()),
                java.util.Arrays.copyOf(labels, n), digests);
    }
}
