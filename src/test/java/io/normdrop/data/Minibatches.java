package io.normdrop.data;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cuts labeled images into minibatch DataSets: features scaled from 0..255 to [0, 1] as float,
 * labels one-hot. On Spark the driver ships raw bytes (4x smaller than floats) and the
 * executors build the DataSets.
 */
public final class Minibatches {
    private Minibatches() {
    }

    /**
     * A slice of raw examples that becomes one DataSet. A class, not a record: Spark ships it
     * with Kryo 4, which cannot build records.
     */
    public static final class Chunk implements Serializable {
        private static final long serialVersionUID = 1L;
        private final byte[] pixels;
        private final byte[] labels;
        private final int features;
        private final int numClasses;

        /**
         * @param pixels     {@code n * features} unsigned bytes
         * @param labels     {@code n} unsigned class indices
         * @param features   features per example
         * @param numClasses width of the one-hot label
         */
        public Chunk(byte[] pixels, byte[] labels, int features, int numClasses) {
            this.pixels = pixels;
            this.labels = labels;
            this.features = features;
            this.numClasses = numClasses;
        }

        public byte[] pixels() {
            return pixels;
        }

        public byte[] labels() {
            return labels;
        }

        public int features() {
            return features;
        }

        public int numClasses() {
            return numClasses;
        }

        public int size() {
            return labels.length;
        }
    }

    /** Consecutive chunks of {@code batchSize} examples; the last may be smaller. */
    public static List<Chunk> chunks(LabeledImages data, int batchSize, int numClasses) {
        List<Chunk> out = new ArrayList<>();
        int f = data.features();
        for (int start = 0; start < data.count(); start += batchSize) {
            int end = Math.min(data.count(), start + batchSize);
            out.add(new Chunk(Arrays.copyOfRange(data.pixels(), start * f, end * f),
                    Arrays.copyOfRange(data.labels(), start, end), f, numClasses));
        }
        return out;
    }

    /** Builds the DataSet of one chunk. */
    public static DataSet toDataSet(Chunk chunk) {
        int n = chunk.size();
        float[] x = new float[chunk.pixels().length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (chunk.pixels()[i] & 0xFF) / 255f;
        }
        float[] y = new float[n * chunk.numClasses()];
        for (int i = 0; i < n; i++) {
            y[i * chunk.numClasses() + (chunk.labels()[i] & 0xFF)] = 1f;
        }
        INDArray features = Nd4j.create(x, new long[]{n, chunk.features()}, DataType.FLOAT);
        INDArray labels = Nd4j.create(y, new long[]{n, chunk.numClasses()}, DataType.FLOAT);
        return new DataSet(features, labels);
    }

    /** The same minibatches in one JVM, in order (single-machine training and tests). */
    public static List<DataSet> dataSets(LabeledImages data, int batchSize, int numClasses) {
        return chunks(data, batchSize, numClasses).stream().map(Minibatches::toDataSet).toList();
    }

    /**
     * The minibatches as an RDD of {@code partitions} partitions, in order, built on the
     * executors. The caller persists it if it is used more than once.
     */
    public static JavaRDD<DataSet> rdd(JavaSparkContext sc, LabeledImages data, int batchSize, int numClasses,
                                       int partitions) {
        List<Chunk> chunks = chunks(data, batchSize, numClasses);
        return sc.parallelize(chunks, Math.max(1, Math.min(partitions, chunks.size()))).map(Minibatches::toDataSet);
    }
}
