package io.normdrop.testing;

import io.normdrop.config.JobConfig;
import io.normdrop.data.DataLoader;
import io.normdrop.data.DataSets;
import io.normdrop.data.FeatureScaler;
import io.normdrop.data.LoadedData;
import io.normdrop.data.ReshuffledEpochs;
import io.normdrop.data.TrainingEpochs;
import io.normdrop.train.SparkTrainer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A job's data as the train command prepares it (read and checked on Spark, scaled, balanced
 * and reshuffled per epoch), for tests that drive the trainer themselves.
 *
 * @param train the training set
 * @param test  the test set
 * @param epochs each epoch's training minibatches
 * @param testBatches the test minibatches
 */
public record JobData(LoadedData train, LoadedData test, TrainingEpochs epochs, JavaRDD<DataSet> testBatches) {
    public static JobData of(JavaSparkContext sc, JobConfig c, SparkTrainer trainer) {
        DataLoader loader = new DataLoader(sc, c.data());
        LoadedData train = loader.train(c.knownClasses());
        LoadedData test = loader.test(train);
        FeatureScaler scaler = FeatureScaler.fit(c.data().normalization(), train.examples().values(), train.features());
        int batch = c.data().batchSize();
        return new JobData(train, test, new ReshuffledEpochs(train, trainer.partitions(train.count()), batch,
                c.training().seed(), scaler), DataSets.inOrder(test, batch, scaler));
    }
}
