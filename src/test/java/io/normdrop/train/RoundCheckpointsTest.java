package io.normdrop.train;

import io.normdrop.config.ConfigException;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Round checkpoints as the workers write them and the driver reads them back: the state and every
 * worker's progress exactly, only complete ones, only for the same job and number of workers, and
 * a damaged file refused with its name.
 */
class RoundCheckpointsTest {
    private static final int WORKERS = 2;
    private static final int ROUNDS = 10;

    private static RoundRecovery.Progress progress(int worker, int round, int tensors) {
        RoundRecovery.Progress p = new RoundRecovery.Progress(ROUNDS);
        for (int r = 0; r <= round; r++) {
            p.lossSums[r] = 0.5 + worker + r / 7.0;
            p.minibatches[r] = 2;
            p.examples[r] = 128 - worker;
            p.fitNanos[r] = 1000L * (r + 1);
            p.readNanos[r] = 10L * r;
            p.exchangeNanos[r] = 77;
            p.drift[r] = new DriftSums(WORKERS, tensors);
            Arrays.fill(p.drift[r].deviation, 0.25 * r + worker);
            Arrays.fill(p.drift[r].meanSquare, 3.0 / (r + 1));
        }
        p.iterationCount = 2 * (round + 1) + 40;
        p.round = round;
        return p;
    }

    /** Round {@code round} of {@code epoch}, written as the two workers would: worker 1 first, then worker 0. */
    private static void write(RoundCheckpoints c, int epoch, int round, float[] v, int tensors) {
        for (int w = WORKERS - 1; w >= 0; w--) {
            c.write(epoch, round, w, WORKERS, progress(w, round, tensors), v, v.length, () -> {
            });
        }
    }

    @Test
    void theLatestCompleteRoundComesBackExactly(@TempDir Path dir) throws Exception {
        MultiLayerNetwork net = DriftSumsTest.network();
        int params = (int) net.params().length();
        int updater = (int) net.getUpdater().getStateViewArray().length();
        int tensors = ParamLayout.of(net).tensors();
        RoundCheckpoints c = RoundCheckpoints.at(new org.apache.hadoop.fs.Path(dir.toUri()), 3, "job-a", new Configuration());
        assertEquals(List.of(2, 5), java.util.stream.IntStream.range(0, ROUNDS).filter(r -> c.due(r, 7)).boxed().toList(),
                "after every third round, not after the epoch's last");

        float[] v = new float[params + updater];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.sin(i);
        }
        write(c, 2, 2, new float[v.length], tensors);
        write(c, 2, 5, v, tensors);
        assertFalse(Files.exists(dir.resolve("epoch-2-round-3")), "the epoch's older checkpoint is dropped");
        // A round whose state was never renamed into place (the first worker died) is incomplete.
        Files.createDirectories(dir.resolve("epoch-2-round-9"));
        Files.write(dir.resolve("epoch-2-round-9/worker-1"), new byte[]{1, 2, 3});

        RoundContinuation k = c.latest(2, WORKERS, ROUNDS, params, updater, tensors).orElseThrow();
        assertEquals(6, k.roundsDone());
        for (int w = 0; w < WORKERS; w++) {
            RoundRecovery.Progress want = progress(w, 5, tensors);
            RoundRecovery.Progress got = k.progress(w);
            assertArrayEquals(want.lossSums, got.lossSums);
            assertArrayEquals(want.examples, got.examples);
            assertArrayEquals(want.fitNanos, got.fitNanos);
            assertArrayEquals(want.readNanos, got.readNanos);
            assertEquals(want.iterationCount, got.iterationCount);
            for (int r = 0; r <= 5; r++) {
                assertArrayEquals(want.drift[r].deviation, got.drift[r].deviation);
                assertArrayEquals(want.drift[r].meanSquare, got.drift[r].meanSquare);
            }
        }
        k.restore(net);
        assertArrayEquals(Arrays.copyOf(v, params), net.params().toFloatVector());
        assertArrayEquals(Arrays.copyOfRange(v, params, v.length), net.getUpdater().getStateViewArray().toFloatVector());
        assertEquals(52, net.getLayerWiseConfigurations().getIterationCount());

        assertEquals(Optional.empty(), c.latest(3, WORKERS, ROUNDS, params, updater, tensors), "nothing inside epoch 3");
        assertEquals(Optional.empty(), c.latest(2, 3, ROUNDS, params, updater, tensors),
                "three workers deal the epoch otherwise: it starts over");
        ConfigException other = assertThrows(ConfigException.class, () -> RoundCheckpoints.at(
                new org.apache.hadoop.fs.Path(dir.toUri()), 3, "job-b", new Configuration())
                .latest(2, WORKERS, ROUNDS, params, updater, tensors));
        assertTrue(other.getMessage().startsWith("--resume: the job differs"), other.getMessage());
        IllegalStateException wrongSize = assertThrows(IllegalStateException.class,
                () -> c.latest(2, WORKERS, ROUNDS, params + 1, updater, tensors));
        assertTrue(wrongSize.getMessage().contains("epoch-2-round-6"), wrongSize.getMessage());

        // One flipped byte in a worker's progress fails a checksum, named: the file system's, and
        // where it keeps none (no .crc file), the checkpoint's own.
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("epoch-2-round-6/worker-1").toFile(), "rw")) {
            f.seek(f.length() - 20);
            int b = f.read();
            f.seek(f.length() - 20);
            f.write(b ^ 0x10);
        }
        IllegalStateException damaged = assertThrows(IllegalStateException.class,
                () -> c.latest(2, WORKERS, ROUNDS, params, updater, tensors));
        assertTrue(damaged.getMessage().startsWith("the round checkpoint " + dir.toUri().toString().replace("file:///", "file:/")
                + "epoch-2-round-6 cannot be read (Checksum error"), damaged.getMessage());
        Files.delete(dir.resolve("epoch-2-round-6/.worker-1.crc"));
        damaged = assertThrows(IllegalStateException.class, () -> c.latest(2, WORKERS, ROUNDS, params, updater, tensors));
        assertTrue(damaged.getMessage().endsWith("epoch-2-round-6 fails its checksum; delete it, or run without --resume "
                + "to start afresh"), damaged.getMessage());

        c.dropThrough(2);
        assertEquals(Optional.empty(), c.latest(2, WORKERS, ROUNDS, params, updater, tensors), "dropped with its epoch");
    }

    @Test
    void withTheUpdaterStateResetOnlyTheParametersAreKept(@TempDir Path dir) throws Exception {
        MultiLayerNetwork net = DriftSumsTest.network();
        int params = (int) net.params().length();
        int updater = (int) net.getUpdater().getStateViewArray().length();
        int tensors = ParamLayout.of(net).tensors();
        RoundCheckpoints c = RoundCheckpoints.at(new org.apache.hadoop.fs.Path(dir.toUri()), 1, "job", new Configuration());
        float[] v = new float[params];
        Arrays.fill(v, 0.125f);
        write(c, 1, 0, v, tensors);
        net.getUpdater().getStateViewArray().assign(3);
        c.latest(1, WORKERS, ROUNDS, params, updater, tensors).orElseThrow().restore(net);
        assertArrayEquals(v, net.params().toFloatVector());
        assertEquals(0, net.getUpdater().getStateViewArray().amaxNumber().doubleValue(), 0, "a reset updater state");
    }
}
