package io.normdrop.job;

import io.normdrop.config.JobFiles;
import io.normdrop.metrics.MetricsFiles;
import io.normdrop.testing.LocalSpark;
import io.normdrop.testing.Processes;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The driver killed mid-training (SIGKILL, its own JVM through the README's launcher): a changed
 * job may not continue the run, and the same job resumes after the epoch of its last checkpoint
 * and, with deterministic settings (no dropout, two workers), ends with exactly the parameters of
 * an uninterrupted run.
 */
@ExtendWith(LocalSpark.class)
class ResumeIT {
    /** Deterministic and quick: no dropout, two workers, a small network on part of the sample. */
    static final List<String> DETERMINISTIC = List.of("training.epochs=4", "training.workers=2", "data.train.limit=3840",
            "data.test.limit=500", "model.layers[0].units=64", "model.layers[1].units=32",
            "model.layers[1].dropout.keep=1.0", "model.layers[2].dropout.keep=1.0");

    static List<String> launcher(Path out, String... extra) {
        List<String> cmd = new ArrayList<>(List.of("bash", "deploy/local.sh", "jobs/quickstart.conf", "--out", out.toString(),
                "--master", "local[2]"));
        for (String s : DETERMINISTIC) {
            cmd.add("--set");
            cmd.add(s);
        }
        cmd.addAll(List.of(extra));
        return cmd;
    }

    static String digest(Path run) throws Exception {
        return MetricsFiles.read(Files.newInputStream(run.resolve(MetricsFiles.JSON_FILE)), run.toString())
                .at("/model/parameterDigest").asText();
    }

    /** The newest complete checkpoint (with its state file) in a working directory. */
    static int lastCheckpoint(Path work) throws Exception {
        try (var dirs = Files.list(work)) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("checkpoint-") && Files.exists(d.resolve("state.json")))
                    .mapToInt(d -> Integer.parseInt(d.getFileName().toString().substring("checkpoint-".length())))
                    .max().orElse(0);
        }
    }

    @Test
    void aKilledRunResumesToTheParametersOfAnUninterruptedOne(JavaSparkContext sc, @TempDir Path dir) throws Exception {
        // The reference: the same job, uninterrupted.
        List<String> sets = new ArrayList<>(DETERMINISTIC);
        sets.add("output.dir=\"" + dir.resolve("reference") + "\"");
        TrainJob.Outcome reference = new TrainJob(JobFiles.load(Path.of("jobs/quickstart.conf"), sets), false)
                .run(sc, new PrintWriter(new StringWriter(), true));

        // The run to kill, once it has checkpointed epoch 2.
        Path run = dir.resolve("nightly");
        Path checkpoint2 = dir.resolve(".nightly.inprogress/checkpoint-2/state.json");
        ProcessBuilder pb = new ProcessBuilder(launcher(run)).redirectErrorStream(true)
                .redirectOutput(dir.resolve("killed.log").toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("NORMDROP_DRIVER_MEMORY", "2g");
        Process driver = pb.start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.exists(checkpoint2)) {
            assertTrue(driver.isAlive(), "the run ended before its checkpoint: " + Files.readString(dir.resolve("killed.log")));
            assertTrue(System.nanoTime() < deadline, "no checkpoint of epoch 2 in 3 minutes");
            Thread.sleep(20);
        }
        driver.destroyForcibly().waitFor();
        assertEquals(137, driver.exitValue(), "killed with SIGKILL");
        assertFalse(Files.exists(run), "a killed run leaves no run directory");
        assertTrue(Files.exists(dir.resolve(".nightly.lock")), "the dead driver's lock is left behind");
        int kept = lastCheckpoint(dir.resolve(".nightly.inprogress"));
        assertTrue(kept >= 2 && kept < 4, "checkpoint kept: epoch " + kept);

        // The checkpoint belongs to this job: a changed one may not continue it, and is refused
        // without harming it (only training.epochs and the output may change).
        Processes.Result changed = Processes.run(launcher(run, "--resume", "--set", "training.seed=7"));
        assertEquals(64, changed.code(), changed.err());
        assertTrue(changed.err().contains("--resume: the job differs from the one that wrote the checkpoint"),
                changed.err());
        assertEquals(kept, lastCheckpoint(dir.resolve(".nightly.inprogress")), "the checkpoint is intact");

        Processes.Result resumed = Processes.run(launcher(run, "--resume"));
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("normdrop: resuming after epoch " + kept + " from "), resumed.out());
        for (int epoch = 1; epoch <= 4; epoch++) {
            assertEquals(epoch > kept, resumed.out().contains("epoch " + epoch + "/4  loss"),
                    "epoch " + epoch + " trained again only if after the checkpoint: " + resumed.out());
        }
        assertEquals(reference.metrics().model().parameterDigest(), digest(run),
                "resumed parameters are bit-identical to the uninterrupted run's");
        assertEquals(4, MetricsFiles.read(Files.newInputStream(run.resolve(MetricsFiles.JSON_FILE)), "metrics.json")
                .get("epochs").size(), "metrics cover the epochs before and after the kill");
        try (var files = Files.list(dir)) {
            assertEquals(List.of("killed.log", "nightly", "reference"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no lock, no working directory left");
        }

        // Resuming a finished run is refused like any rerun; resuming nothing is a missing input.
        Processes.Result again = Processes.run(launcher(run, "--resume"));
        assertEquals(73, again.code(), again.err());
        Processes.Result nothing = Processes.run(launcher(dir.resolve("never"), "--resume"));
        assertEquals(66, nothing.code(), nothing.err());
        assertTrue(nothing.err().startsWith("normdrop: nothing to resume: no checkpoint in "), nothing.err());
    }

    /** Settings of the kill inside an epoch: 40 rounds an epoch, a round checkpoint after every second. */
    static final List<String> WITHIN = List.of("data.train.limit=10000", "training.averagingPeriod=2",
            "training.checkpoint.everyRounds=2");

    @Test
    void aDriverKilledInsideAnEpochResumesAfterItsLastRoundCheckpoint(JavaSparkContext sc, @TempDir Path dir)
            throws Exception {
        // The reference checkpoints at epoch ends only: writing round checkpoints changes nothing.
        List<String> sets = new ArrayList<>(DETERMINISTIC);
        sets.addAll(WITHIN.subList(0, 2));
        sets.add("output.dir=\"" + dir.resolve("reference") + "\"");
        TrainJob.Outcome reference = new TrainJob(JobFiles.load(Path.of("jobs/quickstart.conf"), sets), false)
                .run(sc, new PrintWriter(new StringWriter(), true));
        int rounds = (int) reference.metrics().rounds().stream().filter(r -> r.epoch() == 2).count();
        assertEquals(40, rounds, "rounds of epoch 2");

        List<String> extra = new ArrayList<>();
        WITHIN.forEach(s -> extra.addAll(List.of("--set", s)));
        Path run = dir.resolve("nightly");
        Path work = dir.resolve(".nightly.inprogress");
        Path round2 = work.resolve("rounds/epoch-2-round-2/state");
        ProcessBuilder pb = new ProcessBuilder(launcher(run, extra.toArray(String[]::new))).redirectErrorStream(true)
                .redirectOutput(dir.resolve("killed.log").toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("NORMDROP_DRIVER_MEMORY", "2g");
        Process driver = pb.start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.exists(round2)) {
            assertTrue(driver.isAlive(), "the run ended before its round checkpoint: " + Files.readString(dir.resolve("killed.log")));
            assertTrue(System.nanoTime() < deadline, "no round checkpoint in epoch 2 in 3 minutes");
            Thread.sleep(5);
        }
        driver.destroyForcibly().waitFor();
        assertEquals(1, lastCheckpoint(work), "killed inside epoch 2, after the checkpoint of epoch 1");
        int kept;
        try (var dirs = Files.list(work.resolve("rounds"))) {
            kept = dirs.filter(d -> d.getFileName().toString().startsWith("epoch-2-round-") && Files.exists(d.resolve("state")))
                    .mapToInt(d -> Integer.parseInt(d.getFileName().toString().substring("epoch-2-round-".length())))
                    .max().orElseThrow();
        }
        assertTrue(kept >= 2 && kept < rounds, "round checkpoint kept: " + kept);

        // training.checkpoint may change on --resume.
        List<String> resumeExtra = new ArrayList<>(extra);
        resumeExtra.set(resumeExtra.size() - 1, "training.checkpoint.everyRounds=3");
        Processes.Result resumed = Processes.run(launcher(run, append(resumeExtra, "--resume")));
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("normdrop: resuming epoch 2 after its round " + kept + " from "), resumed.out());
        assertFalse(resumed.out().contains("epoch 1/4  loss"), "epoch 1 is not trained again: " + resumed.out());
        assertEquals(reference.metrics().model().parameterDigest(), digest(run),
                "resumed inside epoch 2, the parameters are bit-identical to the uninterrupted run's");
        var metrics = MetricsFiles.read(Files.newInputStream(run.resolve(MetricsFiles.JSON_FILE)), "metrics.json");
        assertEquals(4, metrics.get("epochs").size(), "metrics cover every epoch");
        try (var files = Files.list(dir)) {
            assertEquals(List.of("killed.log", "nightly", "reference"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no lock, no working directory left");
        }
    }

    private static String[] append(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }
}
