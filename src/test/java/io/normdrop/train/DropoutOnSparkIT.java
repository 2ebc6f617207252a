package io.normdrop.train;

import io.normdrop.config.JobConfig;
import io.normdrop.config.JobFiles;
import io.normdrop.metrics.MetricsSink;
import io.normdrop.testing.Dl4jDropout;
import io.normdrop.testing.LocalSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * keep = 1 is a null operation on Spark too, shown on the operation itself: the same network
 * once without dropout and once carrying DL4J's {@code Dropout} at retain probability 1 on the
 * inputs of its last two layers (masks drawn on the executors, inside the workers' networks
 * rebuilt from the configuration), trained by two workers over several averaging rounds, end
 * bit-identical; at retain probability 0.8 they do not.
 */
@ExtendWith(LocalSpark.class)
class DropoutOnSparkIT {
    static final List<String> SMALL = List.of("training.workers=2", "training.epochs=2", "data.batchSize=32",
            "training.batchSizePerWorker=32", "training.averagingPeriod=5", "data.train.limit=1280",
            "data.test.limit=256", "model.layers[1].dropout={ keep = 1 }", "model.layers[2].dropout={ keep = 1 }");

    static float[] train(JavaSparkContext sc, String type, UnaryOperator<MultiLayerConfiguration> alter) {
        JobConfig job = JobFiles.load(Path.of("jobs/quickstart.conf"), concat(SMALL,
                "model.layers[0].type=" + type, "model.layers[1].type=" + type)).config();
        PrintWriter silent = new PrintWriter(Writer.nullWriter());
        try (TrainingInputs inputs = TrainingInputs.prepare(sc, job, silent)) {
            MultiLayerConfiguration conf = alter.apply(inputs.network());
            MultiLayerNetwork network = new MultiLayerNetwork(conf);
            network.init();
            MultiLayerNetwork trained = new SparkTrainer(sc, job.training(), false).fit(network, inputs, MetricsSink.all())
                    .network();
            return trained.params().dup().reshape(trained.numParams()).toFloatVector();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dense", "weightnorm-dense"})
    void dl4jDropoutAtRetainOneTrainsBitIdenticalToNoDropoutOnTwoWorkers(String type, JavaSparkContext sc) {
        float[] none = train(sc, type, conf -> {
            assertTrue(Double.isNaN(Dl4jDropout.keep(conf, 1)) && Double.isNaN(Dl4jDropout.keep(conf, 2)),
                    "keep = 1 builds no dropout");
            return conf;
        });
        float[] retainOne = train(sc, type, conf -> {
            MultiLayerConfiguration withDropout = Dl4jDropout.on(conf, 1.0, 1, 2);
            assertEquals(1.0, Dl4jDropout.keep(withDropout, 1));
            return withDropout;
        });
        assertArrayEquals(none, retainOne, 0f, "DL4J's dropout at retain probability 1 changed training");

        float[] retain08 = train(sc, type, conf -> Dl4jDropout.on(conf, 0.8, 1, 2));
        double maxDiff = 0;
        for (int i = 0; i < none.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(none[i] - retain08[i]));
        }
        assertTrue(maxDiff > 1e-4, "retain 0.8 must change training (max difference " + maxDiff + ")");
    }

    private static List<String> concat(List<String> a, String... b) {
        java.util.ArrayList<String> out = new java.util.ArrayList<>(a);
        out.addAll(List.of(b));
        return out;
    }
}
