package io.normdrop.data;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * IDX data as records: read and checked on the driver by {@link IdxReader} (IDX files are
 * MNIST-sized; a large data set belongs in parquet, csv or libsvm, read on the executors),
 * shipped to the executors as raw bytes in slices, pixels scaled to [0, 1] there.
 */
public final class IdxRecords {
    /** Examples per slice shipped to the executors: a task of MNIST's 784 bytes each stays under Spark's 1 MB advice. */
    private static final int SLICE = 1024;

    private IdxRecords() {
    }

    /** A slice of raw examples; a class, not a record, for Kryo. */
    private static final class Slice implements Serializable {
        private static final long serialVersionUID = 1L;
        final long first;
        final byte[] pixels;
        final byte[] labels;
        final int features;

        Slice(long first, byte[] pixels, byte[] labels, int features) {
            this.first = first;
            this.pixels = pixels;
            this.labels = labels;
            this.features = features;
        }
    }

    /**
     * The images as records: a label outside the rules' classes is a bad record of the label
     * file (0-based record index).
     */
    public static JavaRDD<ParsedRecord> read(JavaSparkContext sc, LabeledImages data, String labelFile, RecordRules rules) {
        return sc.parallelize(slices(data), Math.max(1, (data.count() + SLICE - 1) / SLICE)).flatMap(s -> {
            List<ParsedRecord> out = new ArrayList<>(s.labels.length);
            for (int i = 0; i < s.labels.length; i++) {
                out.add(record(s, i, s.labels[i] & 0xFF, labelFile, rules));
            }
            return out.iterator();
        });
    }

    /**
     * The images as records for scoring, each keyed by the image file and its 0-based index;
     * unlabeled when {@code labelFile} is null.
     */
    public static JavaRDD<KeyedRecord> readKeyed(JavaSparkContext sc, LabeledImages data, String imageFile,
                                                 String labelFile, RecordRules rules) {
        return sc.parallelize(slices(data), Math.max(1, (data.count() + SLICE - 1) / SLICE)).flatMap(s -> {
            List<KeyedRecord> out = new ArrayList<>(s.labels.length);
            for (int i = 0; i < s.labels.length; i++) {
                int label = labelFile == null ? Example.NO_LABEL : s.labels[i] & 0xFF;
                out.add(new KeyedRecord(imageFile, s.first + i, KeyedRecord.NO_KEYS, record(s, i, label, labelFile, rules)));
            }
            return out.iterator();
        });
    }

    private static List<Slice> slices(LabeledImages data) {
        List<Slice> slices = new ArrayList<>();
        int f = data.features();
        for (int start = 0; start < data.count(); start += SLICE) {
            int end = Math.min(data.count(), start + SLICE);
            slices.add(new Slice(start, Arrays.copyOfRange(data.pixels(), start * f, end * f),
                    Arrays.copyOfRange(data.labels(), start, end), f));
        }
        return slices;
    }

    private static ParsedRecord record(Slice s, int i, int label, String labelFile, RecordRules rules) {
        String fault = label == Example.NO_LABEL ? null : rules.labelFault(label);
        if (fault != null) {
            return ParsedRecord.bad(new Problem(labelFile, Problem.Unit.RECORD, s.first + i, fault));
        }
        float[] x = new float[s.features];
        for (int j = 0; j < x.length; j++) {
            x[j] = (s.pixels[i * s.features + j] & 0xFF) / 255f;
        }
        return ParsedRecord.good(Example.dense(x, label));
    }
}
