package io.normdrop.data;

import org.apache.spark.api.java.JavaRDD;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The training minibatches of each epoch, as the trainer consumes them: an RDD of DataSets
 * whose partitions are the workers' shares, {@code workers} partitions per averaging round in
 * partition order.
 */
public interface TrainingEpochs {
    /** Training examples in every epoch. */
    long examples();

    /** Examples in each DataSet record (the last of a partition may hold fewer). */
    int dataSetExamples();

    /** Examples in each partition; the same every epoch. */
    long[] partitionExamples();

    /** The minibatches of {@code epoch} (1-based). */
    JavaRDD<DataSet> epoch(int epoch);

    /**
     * Minibatches already cut, the same in every epoch and in the same order (tests, and callers
     * with their own RDD).
     *
     * @param partitionExamples examples in each partition of {@code batches}
     */
    static TrainingEpochs fixed(JavaRDD<DataSet> batches, int dataSetExamples, long[] partitionExamples) {
        long total = java.util.Arrays.stream(partitionExamples).sum();
        long[] sizes = partitionExamples.clone();
        return new TrainingEpochs() {
            @Override
            public long examples() {
                return total;
            }

            @Override
            public int dataSetExamples() {
                return dataSetExamples;
            }

            @Override
            public long[] partitionExamples() {
                return sizes.clone();
            }

            @Override
            public JavaRDD<DataSet> epoch(int epoch) {
                return batches;
            }
        };
    }
}
