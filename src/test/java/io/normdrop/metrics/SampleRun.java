package io.normdrop.metrics;

import io.normdrop.nn.NetworkDiagnostics;
import io.normdrop.testing.Networks;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A made-up but complete {@link RunMetrics}: a small network with two weight-norm layers and
 * dropout, three classes (one with a name that needs escaping), and epochs whose accuracy rises
 * as given. For tests of the files and reports without training.
 */
public final class SampleRun {
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "<Trouser & \"co\">", "Bag");

    private SampleRun() {
    }

    public static MultiLayerNetwork network(long seed) {
        return Networks.of("""
                [
                  { type = weightnorm-dense, units = 24 }
                  { type = weightnorm-dense, units = 16, dropout { keep = 0.7 } }
                  { type = output, units = 3 }
                ]
                """, 12, "training.seed=" + seed);
    }

    /** A run named {@code name} whose epochs end with the given test accuracies. */
    public static RunMetrics of(String name, MultiLayerNetwork network, double... accuracies) {
        List<RunMetrics.Epoch> epochs = new ArrayList<>();
        List<RoundMetrics> rounds = new ArrayList<>();
        int n = accuracies.length;
        for (int e = 1; e <= n; e++) {
            double acc = accuracies[e - 1];
            List<ClassMetrics> classes = List.of(new ClassMetrics(0, acc, acc, acc, 100),
                    new ClassMetrics(1, acc - 0.1, acc - 0.05, acc - 0.075, 100),
                    new ClassMetrics(2, acc + 0.05, acc + 0.05, acc + 0.05, 100));
            TimeBreakdown time = new TimeBreakdown(0.2, 3.0 - 0.1 * e, 0.8, 0.3, 0.0, 0.1);
            for (int r = 1; r <= 4; r++) {
                rounds.add(new RoundMetrics(e, r, time.total() / 4, 1.0 / e, 250, Optional.of(new TimeBreakdown(0.05,
                        time.fit() / 4, 0.2, 0.075, 0, 0.025)), Optional.of(averaging(e, r))));
            }
            EpochMetrics m = new EpochMetrics(e, n, 1.2 / e, 1.0 / e + 0.1, acc, ClassMetrics.macroF1(classes), classes,
                    1000, 4, time.total(), 0.5, 1000 / time.total(), e * (time.total() + 0.5),
                    (n - e) * (time.total() + 0.5), Optional.of(time));
            epochs.add(new RunMetrics.Epoch(m, new SparkStats(10, 0, 0, 4.0, 0.1, 0.05, 1000, 0, 0, 0, 0),
                    new MemorySample(100 << 20, 1 << 30, 50 << 20, 1L << 32, 400 << 20), null));
        }
        SparkStats total = new SparkStats(10L * n, 1, 1, 4.0 * n, 0.1 * n, 0.05 * n, 1000L * n, 0, 0, 1, 0);
        long[][] confusion = {{90, 5, 5}, {10, 85, 5}, {0, 2, 98}};
        EpochMetrics last = epochs.get(n - 1).metrics();
        return new RunMetrics(RunMetrics.FORMAT,
                new RunMetrics.Run(name, "jobs/" + name + ".conf", "file:/tmp/runs/" + name, "2026-11-27T10:00:00Z",
                        "2026-11-27T10:01:00Z", 60.0, "0.1.0 (test)"),
                "c0ffee", new RunMetrics.Data(1000, 300, 12, CLASS_NAMES, "da7a", "idx", 0, 0,
                        List.of(334L, 333L, 333L), "none"),
                new RunMetrics.Settings(n, 42, 2, 64, 10, "every 10", "adam 0.001", "direct", true, false,
                        List.of(1.0, 0.7, 1.0), List.of("weightnorm-dense 24", "weightnorm-dense 16", "output 3")),
                epochs, rounds, List.of(640L, 640L, 360L), new RunMetrics.Spark("3.5.7", "local[2]", total,
                List.of(new ExecutorStats("driver", 10L * n, 1, 4.0 * n, 0.1 * n, 500 << 20, 80 << 20, 900 << 20)),
                new MemorySample(120 << 20, 1 << 30, 60 << 20, 1L << 32, 420 << 20)),
                NetworkDiagnostics.of(network),
                new RunMetrics.Result(last.testAccuracy(), last.testLoss(), last.macroF1(),
                        java.util.Arrays.stream(accuracies).max().orElseThrow(), last.classes(), confusion),
                new RunMetrics.Stopping(n, n, "last epoch", "trained all " + n + " epochs"));
    }

    /**
     * Round {@code r} of epoch {@code e} on two workers: drift falling with the epochs and rising
     * within each; worker 0 on executor 1 the straggler of round 1, worker 1 on executor 2 of the others.
     */
    static AveragingStats averaging(int e, int r) {
        double drift = 0.02 / e + 0.001 * r;
        List<AveragingStats.TensorDrift> tensors = List.of(new AveragingStats.TensorDrift(0, "g", drift / 2, drift / 2),
                new AveragingStats.TensorDrift(0, "V", drift, drift), new AveragingStats.TensorDrift(0, "b", drift, drift),
                new AveragingStats.TensorDrift(1, "g", drift / 3, drift / 3),
                new AveragingStats.TensorDrift(1, "V", 2 * drift, 2 * drift), new AveragingStats.TensorDrift(1, "b", drift, drift),
                new AveragingStats.TensorDrift(2, "W", drift, drift), new AveragingStats.TensorDrift(2, "b", drift, drift));
        long[] fit = r == 1 ? new long[]{800_000_000L, 700_000_000L} : new long[]{700_000_000L, 900_000_000L};
        return AveragingStats.of(drift, drift, tensors, new double[]{1.0 / e, 1.0 / e + 0.05}, fit,
                new String[]{"1@10.0.0.1", "2@10.0.0.2"});
    }

    /** The same run as if its rounds had not been timed ({@code metrics.trainingStats = false}). */
    public static RunMetrics untimed(RunMetrics m) {
        List<RunMetrics.Epoch> epochs = m.epochs().stream().map(ep -> {
            EpochMetrics e = ep.metrics();
            return new RunMetrics.Epoch(new EpochMetrics(e.epoch(), e.epochs(), e.trainLoss(), e.testLoss(),
                    e.testAccuracy(), e.macroF1(), e.classes(), e.trainExamples(), e.rounds(), e.trainSeconds(),
                    e.evalSeconds(), e.samplesPerSecond(), e.elapsedSeconds(), e.remainingSeconds(), Optional.empty()),
                    ep.spark(), ep.memory(), ep.retry());
        }).toList();
        List<RoundMetrics> rounds = m.rounds().stream().map(r -> new RoundMetrics(r.epoch(), r.round(), r.wallSeconds(),
                r.score(), r.examples(), Optional.empty(), r.averaging())).toList();
        return new RunMetrics(m.format(), m.run(), m.configDigest(), m.data(), m.settings(), epochs, rounds,
                m.partitions(), m.spark(), m.model(), m.result(), m.stopping());
    }
}
