package io.normdrop.job;

import io.normdrop.data.SyntheticData;
import io.normdrop.metrics.MetricsFiles;
import io.normdrop.testing.LocalSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bound on a small scale: a training set of 180,000 x 784 (538 MiB of float features) on a
 * driver and executors (local mode: one JVM) of 640 MiB heap with ND4J's off-heap memory capped
 * at 512 MiB. Keeping the set on the executors (data.cacheLimitMiB above its size: the path every
 * set took before streaming) runs out of memory; the same job with the defaults, which stream a
 * set above 512 MiB, trains its epoch; the resident master, which keeps every set, refuses it.
 */
@ExtendWith(LocalSpark.class)
class BoundedMemoryIT {
    static final String HEAP = "640m";
    static final String OFF_HEAP = "-Dorg.bytedeco.javacpp.maxbytes=512m -Dorg.bytedeco.javacpp.maxphysicalbytes=2g";

    private record Run(int code, String log) {
    }

    private static Run train(Path data, Path out, String... sets) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", "deploy/local.sh", "jobs/scale-1m.conf", "--master", "local[2]",
                "--out", out.toString(),
                "--set", "data.train.path=\"" + data.resolve("train.parquet") + "\"",
                "--set", "data.test.path=\"" + data.resolve("test.parquet") + "\"",
                "--set", "model.layers[0].units=32", "--set", "model.layers[1].units=16"));
        for (String s : sets) {
            cmd.add("--set");
            cmd.add(s);
        }
        Path log = Files.createTempFile(out.getParent(), "run", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("NORMDROP_DRIVER_MEMORY", HEAP);
        pb.environment().put("NORMDROP_JAVA_OPTS", OFF_HEAP + " -XX:+ExitOnOutOfMemoryError");
        Process p = pb.start();
        try {
            if (!p.waitFor(6, TimeUnit.MINUTES)) {
                throw new AssertionError("the run did not end in 6 minutes: " + Files.readString(log));
            }
        } finally {
            p.destroyForcibly().waitFor(); // by its own handle: nothing else is stopped
        }
        return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    @Test
    void aSetLargerThanTheHeapStreamsWhereKeepingItRunsOutOfMemory(JavaSparkContext sc, @TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        new SyntheticData(180_000, 784, 10, 1.0, 7).writeParquet(sc, data.toString(), "train", 0, 4);
        new SyntheticData(1_000, 784, 10, 1.0, 7).writeParquet(sc, data.toString(), "test", 1, 1);

        Run kept = train(data, dir.resolve("kept"), "data.cacheLimitMiB=4096");
        assertNotEquals(0, kept.code(), kept.log());
        assertTrue(kept.log().contains("OutOfMemoryError") || kept.log().contains("Java heap space"), kept.log());

        Run streamed = train(data, dir.resolve("streamed"));
        assertEquals(0, streamed.code(), streamed.log());
        assertTrue(streamed.log().contains("538 MiB of features, streamed from the files every epoch"), streamed.log());
        var metrics = MetricsFiles.read(Files.newInputStream(dir.resolve("streamed").resolve(MetricsFiles.JSON_FILE)),
                "metrics.json");
        assertEquals(180_000, metrics.at("/epochs/0/metrics/trainExamples").asLong(), metrics.toString());

        // A master that keeps the set refuses it before training, naming the master that streams it.
        Run resident = train(data, dir.resolve("resident"), "training.master=resident");
        assertEquals(64, resident.code(), resident.log());
        assertTrue(resident.log().contains("normdrop: training.master: is resident, which keeps the training set on the "
                + "executors, but its 538 MiB of features are more than their "), resident.log());
        assertTrue(resident.log().contains("training.master = allreduce streams it from the files"), resident.log());
        assertFalse(Files.exists(dir.resolve("resident")), "nothing written");
    }
}
