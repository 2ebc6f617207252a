package io.normdrop.data;

import io.normdrop.testing.DataSources;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How the bundled quickstart sample was cut from the full Fashion-MNIST set: the first
 * {@value #TRAIN_PER_CLASS} images of each class of the training file and the first
 * {@value #TEST_PER_CLASS} of each class of the test file, in file order. {@code main} writes it;
 * {@code SampleDataTest} checks the bundled files are exactly this cut.
 */
public final class FashionMnistSample {
    public static final int TRAIN_PER_CLASS = 1000;
    public static final int TEST_PER_CLASS = 200;
    public static final Path FULL = Path.of("/usr/share/datasets/fashion-mnist");
    public static final Path SAMPLE = Path.of("jobs/data/fashion-mnist-sample");

    private FashionMnistSample() {
    }

    /** The first {@code perClass} examples of each of the 10 classes, in file order. */
    public static LabeledImages cut(LabeledImages full, int perClass) {
        int[] taken = new int[10];
        int f = full.features();
        int n = 0;
        byte[] pixels = new byte[perClass * 10 * f];
        byte[] labels = new byte[perClass * 10];
        for (int i = 0; i < full.count() && n < labels.length; i++) {
            int label = full.label(i);
            if (taken[label] < perClass) {
                taken[label]++;
                System.arraycopy(full.pixels(), i * f, pixels, n * f, f);
                labels[n++] = (byte) label;
            }
        }
        return new LabeledImages(n, full.rows(), full.cols(), java.util.Arrays.copyOf(pixels, n * f),
                java.util.Arrays.copyOf(labels, n), java.util.List.of());
    }

    static LabeledImages full(String prefix) {
        return new IdxReader(new Configuration()).read(DataSources.idx(prefix,
                FULL.resolve(prefix + "-images-idx3-ubyte.gz").toString(),
                FULL.resolve(prefix + "-labels-idx1-ubyte.gz").toString(), 0), 10);
    }

    public static void main(String[] args) throws IOException {
        Files.createDirectories(SAMPLE);
        write(cut(full("train"), TRAIN_PER_CLASS), "train");
        write(cut(full("t10k"), TEST_PER_CLASS), "t10k");
    }

    private static void write(LabeledImages d, String prefix) throws IOException {
        IdxWriter.writeImages(SAMPLE.resolve(prefix + "-images-idx3-ubyte.gz"), d.count(), d.rows(), d.cols(), d.pixels());
        IdxWriter.writeLabels(SAMPLE.resolve(prefix + "-labels-idx1-ubyte.gz"), d.labels());
    }
}
