package io.normdrop.data;

import org.apache.spark.api.java.JavaRDD;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The training minibatches of each epoch, as the trainer consumes them: an RDD of DataSets
 * whose partitions are the workers' shares, {@code workers} partitions per averaging round in
 * partition order.
 */
public interface TrainingEpochs extends AutoCloseable {
    /** Training examples in every epoch. */
    long examples();

    /** Examples in each DataSet record (the last of a partition may hold fewer). */
    int dataSetExamples();

    /** Examples in each partition; the same every epoch. */
    long[] partitionExamples();

    /** The minibatches of {@code epoch} (1-based). */
    JavaRDD<DataSet> epoch(int epoch);

    /**
     * Seconds the last call to {@link #epoch} spent preparing the epoch's data on the driver
     * before any worker fits (dealing the examples into shards and caching them); 0 when it
     * prepares nothing there (the RDD is computed as the workers read it).
     */
    default double preparationSeconds() {
        return 0;
    }

    /** Drops what the epochs cached; nothing by default. */
    @Override
    default void close() {
    }

}
