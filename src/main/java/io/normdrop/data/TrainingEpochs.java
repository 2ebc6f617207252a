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

}
