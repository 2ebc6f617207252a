package io.normdrop.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A synthetic, learnable classification dataset for scale tests: every class has a centre drawn
 * from N(0, separation²) per feature, and an example is its class centre plus N(0, 1) noise per
 * feature, stored as bytes (128 + 32·x, clamped to 0..255) like image pixels. Labels cycle
 * through the classes in a seeded random order, so classes are balanced to within one example.
 * Everything derives from the seed, and every example from (seed, stream, index) alone: the
 * same arguments give the same values in every format, whether written streaming by one JVM
 * (IDX, CSV: memory does not grow with the number of examples) or by many Spark tasks at once
 * (Parquet), on any Hadoop file system.
 *
 * @param examples   examples to write (>= 1)
 * @param features   features per example (>= 1); a square number is written as a square image
 * @param classes    classes (2..256)
 * @param separation spread of the class centres relative to the noise (larger: easier)
 * @param seed       seed of centres, labels and noise
 */
public record SyntheticData(long examples, int features, int classes, double separation, long seed)
        implements java.io.Serializable {
    /** Output formats of {@link #write}. */
    public enum Format {
        /** MNIST-format IDX image and label files (uncompressed). */
        IDX,
        /** One CSV file: a header {@code label,f0,...}, then one line per example. */
        CSV,
        /**
         * A Parquet directory written by Spark tasks in parallel: {@code label int} and
         * {@code features array<float>}.
         */
        PARQUET
    }

    public SyntheticData {
        if (examples < 1 || features < 1 || classes < 2 || classes > 256 || !(separation > 0)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "examples >= 1, features >= 1, classes in 2..256 and separation > 0 are needed, got %d, %d, %d, %s",
                    examples, features, classes, separation));
        }
    }

    /** Rows and columns of an example as an image: square when the feature count is a square. */
    public int[] imageShape() {
        int side = (int) Math.round(Math.sqrt(features));
        return side * side == features ? new int[]{side, side} : new int[]{1, features};
    }

    private double[][] centres() {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] c = new double[classes][features];
        for (double[] centre : c) {
            for (int f = 0; f < features; f++) {
                centre[f] = gaussian(r) * separation;
            }
        }
        return c;
    }

    /**
     * Writes the dataset as {@code prefix}: IDX {@code PREFIX-images-idx3-ubyte} and
     * {@code PREFIX-labels-idx1-ubyte}, or CSV {@code PREFIX.csv}, in {@code dir}. The stream
     * index keeps train and test sets of the same centres apart: give each its own.
     *
     * @return the files written
     */
    public String[] write(String dir, String prefix, Format format, int stream, Configuration hadoop) throws IOException {
        Path base = new Path(dir);
        // A private instance without .crc side files, closed here.
        try (FileSystem fs = FileSystem.newInstance(base.toUri(), hadoop)) {
            fs.setWriteChecksum(false);
            return write(fs, base, prefix, format, stream);
        }
    }

    private String[] write(FileSystem fs, Path base, String prefix, Format format, int stream) throws IOException {
        double[][] centres = centres();
        byte[] row = new byte[features];
        if (format == Format.IDX) {
            Path images = new Path(base, prefix + "-images-idx3-ubyte");
            Path labels = new Path(base, prefix + "-labels-idx1-ubyte");
            int[] shape = imageShape();
            try (DataOutputStream img = new DataOutputStream(new BufferedOutputStream(fs.create(images, true), 1 << 20));
                 DataOutputStream lab = new DataOutputStream(new BufferedOutputStream(fs.create(labels, true), 1 << 16))) {
                img.writeInt(0x00000803);
                img.writeInt(Math.toIntExact(examples));
                img.writeInt(shape[0]);
                img.writeInt(shape[1]);
                lab.writeInt(0x00000801);
                lab.writeInt(Math.toIntExact(examples));
                for (long i = 0; i < examples; i++) {
                    int label = example(centres, stream, i, row);
                    img.write(row);
                    lab.writeByte(label);
                }
            }
            return new String[]{images.toString(), labels.toString()};
        }
        if (format == Format.PARQUET) {
            throw new IllegalArgumentException("parquet is written by Spark: use writeParquet");
        }
        Path csv = new Path(base, prefix + ".csv");
        try (OutputStream os = new BufferedOutputStream(fs.create(csv, true), 1 << 20);
             Writer w = new java.io.OutputStreamWriter(os, StandardCharsets.US_ASCII)) {
            StringBuilder header = new StringBuilder("label");
            for (int f = 0; f < features; f++) {
                header.append(",f").append(f);
            }
            w.write(header.append('\n').toString());
            StringBuilder line = new StringBuilder(features * 4 + 4);
            for (long i = 0; i < examples; i++) {
                int label = example(centres, stream, i, row);
                line.setLength(0);
                line.append(label);
                for (byte b : row) {
                    line.append(',').append(b & 0xff);
                }
                w.write(line.append('\n').toString());
            }
        }
        return new String[]{csv.toString()};
    }

    /**
     * Writes the dataset as a Parquet directory {@code dir/PREFIX.parquet} from Spark tasks,
     * each generating its own range of examples (nothing passes through the driver).
     *
     * @param partitions tasks (and files) to write with
     * @return the directory written
     */
    public String writeParquet(JavaSparkContext sc, String dir, String prefix, int stream, int partitions) {
        String path = new Path(dir, prefix + ".parquet").toString();
        int parts = (int) Math.max(1, Math.min(partitions, examples));
        List<Integer> ids = java.util.stream.IntStream.range(0, parts).boxed().toList();
        SyntheticData data = this;
        JavaRDD<Row> rows = sc.parallelize(ids, parts).flatMap(p -> {
            double[][] centres = data.centres();
            long from = p * data.examples / parts;
            long to = (p + 1L) * data.examples / parts;
            byte[] row = new byte[data.features];
            // Lazily, one row at a time: a task's share never sits in memory whole.
            return java.util.stream.LongStream.range(from, to).mapToObj(i -> {
                int label = data.example(centres, stream, i, row);
                float[] x = new float[row.length];
                for (int f = 0; f < x.length; f++) {
                    x[f] = row[f] & 0xff;
                }
                return RowFactory.create(label, x);
            }).iterator();
        });
        StructType schema = new StructType()
                .add("label", DataTypes.IntegerType, false)
                .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        SparkSession.builder().sparkContext(sc.sc()).getOrCreate().createDataFrame(rows, schema)
                .write().mode(SaveMode.Overwrite).parquet(path);
        return path;
    }

    /**
     * Fills {@code row} with example {@code i} of {@code stream} and returns its label. Labels
     * come in rounds of all classes, each round in its own seeded random order; the noise of each
     * example has its own seed. The stream keeps train and test sets of the same centres apart.
     */
    int example(double[][] centres, int stream, long i, byte[] row) {
        long round = i / classes;
        SplittableRandom order = new SplittableRandom(SeededPermutation.mix(seed * 31 + stream + 1) ^ round);
        int[] labels = new int[classes];
        for (int c = 0; c < classes; c++) {
            labels[c] = c;
        }
        for (int c = classes - 1; c > 0; c--) {
            int j = order.nextInt(c + 1);
            int t = labels[c];
            labels[c] = labels[j];
            labels[j] = t;
        }
        int label = labels[(int) (i % classes)];
        SplittableRandom noise = new SplittableRandom(SeededPermutation.mix(SeededPermutation.mix(seed * 31 + stream + 1) + i));
        double[] centre = centres[label];
        for (int f = 0; f < features; f++) {
            long v = Math.round(128 + 32 * (centre[f] + gaussian(noise)));
            row[f] = (byte) Math.max(0, Math.min(255, v));
        }
        return label;
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller; SplittableRandom has no nextGaussian on Java 17.
        double u = 1.0 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
