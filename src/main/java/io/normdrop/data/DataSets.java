package io.normdrop.data;

import org.apache.spark.api.java.JavaRDD;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Examples to minibatch DataSets: features (scaled) as float rows, labels one-hot. */
public final class DataSets {
    private DataSets() {
    }

    /** One DataSet of {@code examples}. */
    public static DataSet toDataSet(List<Example> examples, int features, int classes, FeatureScaler scaler) {
        int n = examples.size();
        float[] x = new float[n * features];
        float[] y = new float[n * classes];
        for (int i = 0; i < n; i++) {
            Example e = examples.get(i);
            e.copyTo(x, i * features, features);
            y[i * classes + e.label()] = 1f;
        }
        if (scaler != null) {
            scaler.apply(x, n);
        }
        INDArray f = Nd4j.create(x, new long[]{n, features}, DataType.FLOAT);
        INDArray l = Nd4j.create(y, new long[]{n, classes}, DataType.FLOAT);
        return new DataSet(f, l);
    }

    /**
     * A data set's minibatches in reading order, built on the executors (the test set: no
     * shuffle). The caller persists the RDD if it is used more than once.
     */
    public static JavaRDD<DataSet> inOrder(LoadedData data, int batchSize, FeatureScaler scaler) {
        int features = data.features();
        int classes = data.classes();
        return data.examples().values().mapPartitions(it -> batches(it, batchSize, features, classes, scaler));
    }

    /** Cuts a stream of examples into DataSets of {@code batch} (the last may be smaller), lazily. */
    static Iterator<DataSet> batches(Iterator<Example> examples, int batch, int features, int classes,
                                     FeatureScaler scaler) {
        return new Iterator<>() {
            private final List<Example> slice = new ArrayList<>(batch);

            @Override
            public boolean hasNext() {
                return examples.hasNext();
            }

            @Override
            public DataSet next() {
                slice.clear();
                while (slice.size() < batch && examples.hasNext()) {
                    slice.add(examples.next());
                }
                if (slice.isEmpty()) {
                    throw new java.util.NoSuchElementException();
                }
                return DataSets.toDataSet(slice, features, classes, scaler);
            }
        };
    }

    /** Cuts examples into DataSets of {@code batch} (the last may be smaller), lazily. */
    static Iterator<DataSet> cut(Example[] examples, int batch, int features, int classes, FeatureScaler scaler) {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < examples.length;
            }

            @Override
            public DataSet next() {
                int end = Math.min(examples.length, next + batch);
                List<Example> slice = java.util.Arrays.asList(examples).subList(next, end);
                next = end;
                return DataSets.toDataSet(slice, features, classes, scaler);
            }
        };
    }
}
