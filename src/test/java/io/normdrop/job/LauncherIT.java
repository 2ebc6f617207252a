package io.normdrop.job;

import io.normdrop.testing.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's first command as a user runs it: deploy/local.sh with the job jar in its own
 * JVM. Checks the run, the refusal to overwrite, and the exit code and single line of each
 * kind of failure.
 */
class LauncherIT {
    @TempDir
    Path dir;

    static Processes.Result launch(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", "deploy/local.sh"));
        command.addAll(List.of(args));
        return Processes.run(command);
    }

    @Test
    void quickstartRunsThenRefusesToOverwrite() throws Exception {
        String run = dir.resolve("quickstart").toString();
        Processes.Result first = launch("jobs/quickstart.conf", "--out", run, "--set", "training.epochs=1", "--master", "local[2]");
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("epoch 1/1"), first.out());
        assertTrue(first.out().contains("normdrop: test accuracy "), first.out());
        assertTrue(Files.exists(Path.of(run, "_SUCCESS")));

        Processes.Result second = launch("jobs/quickstart.conf", "--out", run, "--set", "training.epochs=1", "--master", "local[2]");
        assertEquals(73, second.code(), second.err());
        assertEquals("normdrop: output directory " + run + " exists; pass --overwrite to replace it, or choose another with --out",
                second.err().strip());
    }

    @Test
    void badJobAndMissingDataExitWithTheirCodesAndOneLine() throws Exception {
        Processes.Result bad = launch("jobs/quickstart.conf", "--set", "training.averagingPeriod=0", "--out", dir.resolve("a").toString());
        assertEquals(64, bad.code(), bad.err());
        assertEquals("normdrop: jobs/quickstart.conf (--set): training.averagingPeriod: invalid value 0 (must be >= 1)",
                bad.err().strip());

        String missing = dir.resolve("missing-images.gz").toString();
        Processes.Result noData = launch("jobs/quickstart.conf", "--set", "data.train.images=\"" + missing + "\"",
                "--out", dir.resolve("b").toString(), "--master", "local[2]");
        assertEquals(66, noData.code(), noData.err());
        assertEquals("normdrop: " + missing + ": no such file", noData.err().strip());
        assertFalse(Files.exists(dir.resolve("b")), "no output for a failed run");
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "no temporary directory left behind");
        }
    }

    @Test
    void divergenceAndTheQualityGateExitWithTheirCodesAndOneLine() throws Exception {
        Processes.Result diverged = launch("jobs/quickstart.conf", "--out", dir.resolve("d").toString(), "--master", "local[2]",
                "--set", "training.updater.type=sgd", "--set", "training.updater.learningRate=1e6",
                "--set", "data.train.limit=1280", "--set", "data.test.limit=200");
        assertEquals(80, diverged.code(), diverged.err());
        assertEquals("normdrop: training diverged: training loss NaN in epoch 1, round 1; no epoch finished, nothing kept; "
                + "try a lower training.updater.learningRate", diverged.err().strip());

        Processes.Result gated = launch("jobs/quickstart.conf", "--out", dir.resolve("q").toString(), "--run-id", "night-1",
                "--master", "local[2]", "--set", "training.epochs=1", "--set", "data.train.limit=1280",
                "--set", "data.test.limit=200", "--set", "quality.minAccuracy=0.99");
        assertEquals(81, gated.code(), gated.err());
        assertTrue(gated.err().strip().startsWith("normdrop: quality gate failed: test accuracy "), gated.err());
        assertEquals(1, gated.err().strip().lines().count(), gated.err());
        assertTrue(Files.exists(dir.resolve("q/night-1/_SUCCESS")), "the run is kept");
        assertFalse(Files.exists(dir.resolve("q/published")), "nothing published");
        try (var files = Files.list(dir)) {
            assertEquals(List.of("q"), files.map(p -> p.getFileName().toString()).toList(), "nothing left of the diverged run");
        }
    }

    /**
     * Under a deployment policy (NORMDROP_POLICY in the launcher's environment), a job that would
     * run a command on every executor or write outside the output roots exits 64 with one line,
     * before Spark starts; predict's paths are held to the roots too.
     */
    @Test
    void aDeploymentPolicyRefusesWhatAJobMayNotDoWithOneLine() throws Exception {
        Path policy = dir.resolve("policy.conf");
        Files.writeString(policy, "data.roots = [\"jobs/data/\"]\noutput.roots = [\"" + dir.resolve("runs") + "\"]\n");
        Map<String, String> env = Map.of("NORMDROP_POLICY", policy.toString());
        String touched = dir.resolve("owned").toString();
        Processes.Result command = Processes.run(List.of("bash", "deploy/local.sh", "jobs/quickstart.conf", "--out",
                dir.resolve("runs/q").toString(), "--set", "spark.conf.spark.executor.extraJavaOptions="
                        + "\"-XX:OnOutOfMemoryError=touch " + touched + "\""), env);
        assertEquals(64, command.code(), command.err());
        assertEquals("normdrop: jobs/quickstart.conf: spark.conf.spark.executor.extraJavaOptions: is not allowed by the "
                + "deployment policy " + policy + " (its spark.allow)", command.err().strip());

        Processes.Result outside = Processes.run(List.of("bash", "deploy/local.sh", "jobs/quickstart.conf", "--out",
                dir.resolve("elsewhere").toString()), env);
        assertEquals(64, outside.code(), outside.err());
        assertTrue(outside.err().strip().startsWith("normdrop: jobs/quickstart.conf: output.dir: \"" + dir.resolve("elsewhere")
                + "\" is outside the deployment policy's output.roots ("), outside.err());

        Processes.Result predict = Processes.run(List.of("bash", "deploy/local.sh", "predict", "/etc/model.zip", "--out",
                dir.resolve("runs/p").toString()), env);
        assertEquals(64, predict.code(), predict.err());
        assertTrue(predict.err().strip().startsWith("normdrop: MODEL: \"/etc/model.zip\" is outside the deployment "
                + "policy's data.roots and output.roots ("), predict.err());
        try (var files = Files.list(dir)) {
            assertEquals(List.of("policy.conf"), files.map(p -> p.getFileName().toString()).toList(), "nothing written");
        }
    }
}
