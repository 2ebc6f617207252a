package io.normdrop.train;

import io.normdrop.config.JobConfig;
import io.normdrop.config.JobFiles;
import io.normdrop.metrics.MetricsSink;
import io.normdrop.nn.NetworkFactory;
import io.normdrop.testing.LocalSpark;
import io.normdrop.testing.JobData;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** keep = 1 is an exact no-op on Spark too: two workers, several averaging rounds, bit-identical parameters. */
@ExtendWith(LocalSpark.class)
class DropoutOnSparkIT {
    static final int EXAMPLES = 1280;
    static final int BATCH = 32;

    static float[] train(JavaSparkContext sc, String... overrides) {
        List<String> all = new ArrayList<>(List.of("training.workers=2", "training.epochs=2",
                "data.batchSize=" + BATCH, "training.batchSizePerWorker=" + BATCH, "training.averagingFrequency=5",
                "data.train.limit=" + EXAMPLES, "data.test.limit=256"));
        all.addAll(List.of(overrides));
        JobConfig job = JobFiles.load(Path.of("jobs/quickstart.conf"), all).config();
        SparkTrainer trainer = new SparkTrainer(sc, job.training());
        JobData data = JobData.of(sc, job, trainer);
        MultiLayerNetwork network = new MultiLayerNetwork(NetworkFactory.configuration(job.model(), job.training(),
                data.train().features()));
        network.init();
        SparkTrainer.Result result = trainer.fit(network, data.epochs(), data.testBatches(), MetricsSink.all());
        return result.network().params().dup().reshape(network.numParams()).toFloatVector();
    }

    @Test
    void keepOneEqualsNoDropoutBitForBitOnTwoWorkers(JavaSparkContext sc) {
        float[] none = train(sc, "model.layers[1].dropout={ keep = 1 }", "model.layers[2].dropout={ keep = 1 }");
        float[] keepOneAsRate = train(sc, "model.layers[1].dropout={ rate = 0 }", "model.layers[2].dropout={ rate = 0.0 }");
        assertArrayEquals(none, keepOneAsRate, 0f);
        float[] withDropout = train(sc);
        double maxDiff = 0;
        for (int i = 0; i < none.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(none[i] - withDropout[i]));
        }
        assertTrue(maxDiff > 1e-4, "keep 0.8 must change training (max difference " + maxDiff + ")");
    }
}
