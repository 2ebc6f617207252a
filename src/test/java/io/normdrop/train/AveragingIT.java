package io.normdrop.train;

import io.normdrop.config.JobConfig;
import io.normdrop.config.JobFiles;
import io.normdrop.data.IdxReader;
import io.normdrop.data.LabeledImages;
import io.normdrop.data.Minibatches;
import io.normdrop.metrics.AveragingStats;
import io.normdrop.metrics.EpochMetrics;
import io.normdrop.metrics.MetricsSink;
import io.normdrop.metrics.RoundMetrics;
import io.normdrop.nn.NetworkFactory;
import io.normdrop.testing.LocalSpark;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the averaging measures and what its settings do, on two workers with fixed shards: the
 * allreduce master (the workers average and measure drift slice by slice among themselves)
 * against the resident master (the driver averages and measures the whole vectors), for every
 * updater-state policy; the policies differ from each other; the warm-up schedule averages every
 * step in its epochs and at the steady frequency after them.
 */
@ExtendWith(LocalSpark.class)
class AveragingIT {
    static final int BATCH = 32;
    static final int FREQUENCY = 4;
    static final int ROUNDS = 3;

    /** The trained parameters, every round's metrics, and the parameters after each epoch. */
    record Trained(float[] params, List<RoundMetrics> rounds, List<float[]> afterEpoch) {
    }

    @ParameterizedTest(name = "updaterState = {0}")
    @ValueSource(strings = {"average", "local", "reset"})
    void allReduceEqualsTheDriversAverageAndMeasuresTheSameDrift(String policy, JavaSparkContext sc) {
        List<String> sets = List.of("training.averaging.updaterState=" + policy);
        Trained resident = train(sc, "resident", sets);
        Trained allReduce = train(sc, "allreduce", sets);
        assertTrue(maxDiff(resident.params(), allReduce.params()) < 1e-5,
                "max parameter difference " + maxDiff(resident.params(), allReduce.params()));

        assertEquals(2 * ROUNDS, allReduce.rounds().size());
        assertEquals(2 * ROUNDS, resident.rounds().size());
        for (int r = 0; r < allReduce.rounds().size(); r++) {
            AveragingStats a = allReduce.rounds().get(r).averaging().orElseThrow();
            AveragingStats d = resident.rounds().get(r).averaging().orElseThrow();
            assertTrue(a.driftMean() > 1e-4, "the workers drifted apart in round " + r + ": " + a.driftMean());
            assertEquals(d.driftMean(), a.driftMean(), 1e-3 * d.driftMean(), "round " + r);
            // Two workers sit at the same distance on either side of their mean.
            assertEquals(a.driftMean(), a.driftMax(), 1e-6 * a.driftMax());
            assertEquals(d.tensors().size(), a.tensors().size());
            for (int t = 0; t < a.tensors().size(); t++) {
                AveragingStats.TensorDrift x = a.tensors().get(t);
                AveragingStats.TensorDrift y = d.tensors().get(t);
                assertEquals(y.layer() + "_" + y.param(), x.layer() + "_" + x.param());
                assertEquals(y.mean(), x.mean(), 1e-3 * y.mean() + 1e-9, "round " + r + ", tensor " + x);
            }
            assertEquals(d.lossMin(), a.lossMin(), 1e-4);
            assertEquals(d.lossMax(), a.lossMax(), 1e-4);
            assertTrue(a.lossMax() > a.lossMin(), "different minibatches, different losses");
            assertTrue(a.fitMaxSeconds() >= a.fitMeanSeconds() && a.fitMeanSeconds() > 0);
            assertTrue(a.slowestExecutor().startsWith("driver@"), "local mode runs on the driver: " + a.slowestExecutor());
        }
        // Every parameter tensor of quickstart's network: g, v and b of the weight-norm layers, W and b of the output.
        assertEquals(java.util.Set.of("0_g", "0_V", "0_b", "1_g", "1_V", "1_b", "2_W", "2_b"),
                allReduce.rounds().get(0).averaging().orElseThrow().tensors().stream().map(t -> t.layer() + "_" + t.param())
                        .collect(java.util.stream.Collectors.toSet()));
    }

    @Test
    void theUpdaterStatePoliciesTrainDifferently(JavaSparkContext sc) {
        float[] average = train(sc, "allreduce", List.of("training.averaging.updaterState=average")).params();
        float[] local = train(sc, "allreduce", List.of("training.averaging.updaterState=local")).params();
        float[] reset = train(sc, "allreduce", List.of("training.averaging.updaterState=reset")).params();
        assertTrue(maxDiff(average, local) > 1e-4, "local differs from average: " + maxDiff(average, local));
        assertTrue(maxDiff(average, reset) > 1e-4, "reset differs from average: " + maxDiff(average, reset));
        assertTrue(maxDiff(local, reset) > 1e-4, "reset differs from local: " + maxDiff(local, reset));
    }

    /**
     * Post-local SGD: the warm-up epoch averages after every minibatch, so it ends where a run
     * averaging every minibatch ends its first epoch; the next epoch averages every
     * {@code FREQUENCY} minibatches.
     */
    @Test
    void theWarmUpEpochAveragesEveryStepThenTheSteadyFrequencyTakesOver(JavaSparkContext sc) {
        Trained warm = train(sc, "allreduce", List.of("training.averaging={ warmupPeriod = 1, warmupEpochs = 1 }"));
        Trained everyStep = train(sc, "allreduce", List.of("training.averagingPeriod=1"));
        assertEquals(ROUNDS * FREQUENCY, warm.rounds().stream().filter(r -> r.epoch() == 1).count());
        assertEquals(ROUNDS, warm.rounds().stream().filter(r -> r.epoch() == 2).count());
        assertTrue(maxDiff(warm.afterEpoch().get(0), everyStep.afterEpoch().get(0)) < 1e-6,
                "epoch 1 as averaging every step: " + maxDiff(warm.afterEpoch().get(0), everyStep.afterEpoch().get(0)));
        assertTrue(maxDiff(warm.params(), everyStep.params()) > 1e-4, "epoch 2 averages less often");
        // Averaging after every minibatch leaves the workers closer together than after four (here 1.7 times).
        double warmDrift = warm.rounds().stream().filter(r -> r.epoch() == 1).mapToDouble(r -> r.averaging().orElseThrow().driftMean())
                .average().orElseThrow();
        double steadyDrift = warm.rounds().stream().filter(r -> r.epoch() == 2).mapToDouble(r -> r.averaging().orElseThrow().driftMean())
                .average().orElseThrow();
        assertTrue(steadyDrift > 1.4 * warmDrift, "drift every step " + warmDrift + ", every 4 steps " + steadyDrift);
    }

    /**
     * Two epochs of Adam on two workers of {@code ROUNDS x FREQUENCY} minibatches each, with
     * {@code master}; worker {@code w}'s shard is its partitions of the resident master's rounds.
     */
    static Trained train(JavaSparkContext sc, String master, List<String> extra) {
        List<String> sets = new ArrayList<>(List.of("training.workers=2", "training.epochs=2",
                "training.averagingPeriod=" + FREQUENCY, "data.batchSize=" + BATCH,
                "training.batchSizePerWorker=" + BATCH, "training.updater.type=adam",
                "model.layers[1].dropout={ keep = 1 }", "model.layers[2].dropout={ keep = 1 }",
                "data.train.limit=" + (2 * ROUNDS * FREQUENCY * BATCH), "training.master=" + master));
        sets.addAll(extra);
        JobConfig job = JobFiles.load(Path.of("jobs/quickstart.conf"), sets).config();
        LabeledImages data = new IdxReader(sc.hadoopConfiguration()).read(job.data().train(), 10);
        List<DataSet> batches = Minibatches.dataSets(data, BATCH, 10);
        FixedEpochs epochs;
        if (master.equals("resident")) {
            long part = (long) FREQUENCY * BATCH;
            // Round-major: round r is partitions 2r (worker 0) and 2r + 1.
            epochs = new FixedEpochs(sc.parallelize(batches, 2 * ROUNDS), BATCH, new long[]{part, part, part, part, part, part});
        } else {
            List<DataSet> byWorker = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                for (int r = 0; r < ROUNDS; r++) {
                    byWorker.addAll(batches.subList((2 * r + w) * FREQUENCY, (2 * r + w + 1) * FREQUENCY));
                }
            }
            long share = (long) ROUNDS * FREQUENCY * BATCH;
            epochs = new FixedEpochs(sc.parallelize(byWorker, 2), BATCH, new long[]{share, share});
        }
        MultiLayerNetwork network = new MultiLayerNetwork(NetworkFactory.configuration(job.model(), job.training(), 784));
        network.init();
        List<RoundMetrics> rounds = new ArrayList<>();
        List<float[]> afterEpoch = new ArrayList<>();
        MetricsSink sink = new MetricsSink() {
            @Override
            public void round(RoundMetrics m) {
                rounds.add(m);
            }

            @Override
            public void epoch(EpochMetrics m) {
            }
        };
        SparkTrainer.Result result = new SparkTrainer(sc, job.training(), true).fit(network, epochs, epochs.batches(),
                sink, SparkTrainer.Start.FRESH, (epoch, net, iterations, watch) -> afterEpoch.add(flat(net)));
        return new Trained(flat(result.network()), rounds, afterEpoch);
    }

    static float[] flat(MultiLayerNetwork network) {
        return network.params().dup().reshape(network.numParams()).toFloatVector();
    }

    static double maxDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
