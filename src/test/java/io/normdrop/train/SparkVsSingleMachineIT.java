package io.normdrop.train;

import io.normdrop.config.JobConfig;
import io.normdrop.config.JobFiles;
import io.normdrop.config.TrainingConfig;
import io.normdrop.data.EpochBatches;
import io.normdrop.data.IdxReader;
import io.normdrop.data.LabeledImages;
import io.normdrop.data.Minibatches;
import io.normdrop.metrics.MetricsSink;
import io.normdrop.nn.NetworkFactory;
import io.normdrop.testing.LocalSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With one worker, parameter averaging is the identity: Spark training must end with the
 * parameters of {@code MultiLayerNetwork.fit} on the same minibatches in the same order.
 * Two epochs, so Adam's state must also survive from one averaging round to the next.
 */
@ExtendWith(LocalSpark.class)
class SparkVsSingleMachineIT {
    static final int BATCH = 32;
    static final int EXAMPLES = 640;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"sgd, direct", "adam, direct", "adam, export"})
    void oneWorkerEqualsSingleMachine(String updater, String approach, JavaSparkContext sc) {
        JobConfig job = JobFiles.load(Path.of("jobs/quickstart.conf"), List.of(
                "training.updater.type=" + updater, "training.updater.learningRate=0.01",
                "training.workers=1", "training.epochs=2", "training.approach=" + approach,
                "data.batchSize=" + BATCH, "training.batchSizePerWorker=" + BATCH,
                // one averaging round covers the epoch, so dl4j-spark does not re-split the data
                "training.averagingFrequency=" + (EXAMPLES / BATCH),
                // no dropout: its masks come from different random streams on the worker
                "model.layers[1].dropout={ keep = 1 }", "model.layers[2].dropout={ keep = 1 }",
                "data.train.limit=" + EXAMPLES)).config();
        TrainingConfig training = job.training();
        LabeledImages data = new IdxReader(sc.hadoopConfiguration()).read(job.data().train(), 10);
        MultiLayerConfiguration conf = NetworkFactory.configuration(job.model(), training, data.features());

        MultiLayerNetwork single = new MultiLayerNetwork(conf.clone());
        single.init();
        List<DataSet> batches = Minibatches.dataSets(data, BATCH, 10);
        for (int epoch = 0; epoch < training.epochs(); epoch++) {
            for (DataSet batch : batches) {
                single.fit(batch);
            }
        }

        SparkTrainer trainer = new SparkTrainer(sc, training);
        MultiLayerNetwork start = new MultiLayerNetwork(conf.clone());
        start.init();
        SparkTrainer.Result result = trainer.fit(start,
                EpochBatches.fixed(Minibatches.rdd(sc, data, BATCH, 10, 1), BATCH, new long[]{EXAMPLES}),
                Minibatches.rdd(sc, data, BATCH, 10, 1), MetricsSink.all());

        INDArray expected = single.params();
        INDArray actual = result.network().params();
        double maxDiff = expected.sub(actual).amaxNumber().doubleValue();
        double moved = expected.sub(new MultiLayerNetwork(conf.clone()) {{
            init();
        }}.params()).amaxNumber().doubleValue();
        assertTrue(moved > 1e-2, "training moved the parameters (max change " + moved + ")");
        assertTrue(maxDiff < 1e-5, updater + "/" + approach + ": max parameter difference " + maxDiff);
        assertEquals(2, result.epochs().size());
    }
}
