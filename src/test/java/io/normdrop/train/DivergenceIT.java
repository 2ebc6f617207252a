package io.normdrop.train;

import io.normdrop.config.JobConfig;
import io.normdrop.config.JobFiles;
import io.normdrop.metrics.MetricsSink;
import io.normdrop.testing.LocalSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A NaN loss stops training in the round it appears, after the last good epoch was handed on. */
@ExtendWith(LocalSpark.class)
class DivergenceIT {
    @Test
    void nanParametersStopTrainingInTheNextRound(JavaSparkContext sc) {
        JobConfig c = JobFiles.load(Path.of("jobs/quickstart.conf"), List.of("training.epochs=3", "data.train.limit=1280",
                "data.test.limit=200", "model.layers[0].units=32", "model.layers[1].units=16")).config();
        SparkTrainer trainer = new SparkTrainer(sc, c.training(), false);
        TrainingInputs inputs = TrainingInputs.prepare(sc, c, new PrintWriter(Writer.nullWriter()));
        MultiLayerNetwork net = inputs.initialNetwork(c.model().dataInit(), new PrintWriter(Writer.nullWriter()));
        List<Integer> checkpointed = new ArrayList<>();
        // After epoch 1 is safely handed on (as a checkpoint would be), its parameters turn to NaN.
        SparkTrainer.EpochEnd poison = (epoch, network, iterations, watch) -> {
            checkpointed.add(epoch);
            network.params().assign(Double.NaN);
        };

        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> trainer.fit(net, inputs,
                MetricsSink.all(), SparkTrainer.Start.FRESH, poison));
        inputs.close();

        assertEquals(2, e.epoch());
        assertEquals("training diverged: training loss NaN in epoch 2, round 1", e.getMessage());
        assertEquals(List.of(1), checkpointed);
    }
}
