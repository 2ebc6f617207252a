package io.normdrop.store;

import io.normdrop.metrics.WatchState;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With early stopping, an epoch checkpoint keeps the best epoch's checkpoint beside the newest,
 * and a resumed run reads back where early stopping stood and the best epoch's network; without
 * it, only the newest checkpoint stays.
 */
class CheckpointsTest {
    static MultiLayerNetwork network(int seed) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(seed).list()
                .layer(new DenseLayer.Builder().nIn(3).nOut(4).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(2)
                        .activation(Activation.SOFTMAX).build()).build());
        net.init();
        return net;
    }

    @Test
    void theBestEpochsCheckpointStaysForAResumedRun(@TempDir Path dir) throws Exception {
        MultiLayerNetwork[] epochs = {null, network(1), network(2), network(3)};
        try (RunDirectory out = RunDirectory.start(dir.resolve("run").toString(), false, new Configuration())) {
            for (int epoch = 1; epoch <= 3; epoch++) {
                WatchState watch = new WatchState(1, 0.5, epoch - 1, 0, 0, 0);
                Checkpoints.save(out, epoch, 10 * epoch, "digest", List.of(), List.of(), epochs[epoch], watch, true);
            }
            // The run fails here: no commit.
        }
        Path work = dir.resolve(".run.inprogress");
        assertTrue(Files.exists(work.resolve("checkpoint-1")), "the best epoch's checkpoint is kept");
        assertFalse(Files.exists(work.resolve("checkpoint-2")));
        try (RunDirectory out = RunDirectory.start(dir.resolve("run").toString(), null, false, true, new Configuration())) {
            Checkpoints.Loaded loaded = Checkpoints.resume(out, "digest").orElseThrow();
            assertEquals(3, loaded.state().epoch());
            assertEquals(new WatchState(1, 0.5, 2, 0, 0, 0), loaded.state().watchState());
            assertArrayEquals(epochs[1].params().toFloatVector(), loaded.best().params().toFloatVector());
            assertArrayEquals(epochs[3].params().toFloatVector(), loaded.network().params().toFloatVector());
        }
    }

    @Test
    void withoutEarlyStoppingOnlyTheNewestStays(@TempDir Path dir) throws Exception {
        try (RunDirectory out = RunDirectory.start(dir.resolve("run").toString(), false, new Configuration())) {
            for (int epoch = 1; epoch <= 3; epoch++) {
                Checkpoints.save(out, epoch, epoch, "digest", List.of(), List.of(), network(epoch),
                        new WatchState(1, 0.5, epoch - 1, 0, 0, 0), false);
            }
        }
        Path work = dir.resolve(".run.inprogress");
        assertFalse(Files.exists(work.resolve("checkpoint-1")));
        try (RunDirectory out = RunDirectory.start(dir.resolve("run").toString(), null, false, true, new Configuration())) {
            assertNull(Checkpoints.resume(out, "digest").orElseThrow().best());
        }
    }
}
