package io.normdrop.job;

import io.normdrop.testing.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On a machine other teams use: a job run under umask 027 (through the README's launcher, its own
 * JVM) creates its lock, working directory, checkpoints, run directory and published model with
 * permissions that follow the umask, so nothing it writes is readable by others; and neither the
 * Spark secret nor the Pushgateway password it was given is in any of them (the lock holds host,
 * process id and start time only).
 */
class PermissionsIT {
    static final String SECRET = "normdrop-permissions-" + Long.toHexString(System.nanoTime());
    static final String PUSH_PASSWORD = "push-" + Long.toHexString(System.nanoTime());
    static final Set<PosixFilePermission> OTHERS = Set.of(PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    /** deploy/local.sh under umask 027 with spark.authenticate on, the secret in a file. */
    static List<String> launcher(Path out, Path secretFile, String... extra) {
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", "umask 027 && exec \"$@\"", "umask-027",
                "env", "SPARK_AUTHENTICATE_SECRET_FILE=" + secretFile, "NORMDROP_IT_PUSH_PASSWORD=" + PUSH_PASSWORD,
                "NORMDROP_JAVA_OPTS=-Dspark.authenticate=true",
                "bash", "deploy/local.sh", "jobs/quickstart.conf", "--out", out.toString(), "--run-id", "night-1",
                "--master", "local[2]"));
        for (String s : ResumeIT.DETERMINISTIC) {
            cmd.addAll(List.of("--set", s));
        }
        // A gateway with basic auth, its password in the environment (nothing listens there: a warning).
        cmd.addAll(List.of("--set", "metrics.pushgateway.url=\"http://127.0.0.1:9\"", "--set", "metrics.pushgateway.username=ops",
                "--set", "metrics.pushgateway.passwordEnv=NORMDROP_IT_PUSH_PASSWORD"));
        cmd.addAll(List.of(extra));
        return cmd;
    }

    /** Every file and directory below {@code dir}: none grants others anything, no file lets the group write. */
    static int assertPrivate(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            List<Path> paths = all.toList();
            for (Path p : paths) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
                String shown = p + " " + PosixFilePermissions.toString(perms);
                assertTrue(perms.stream().noneMatch(OTHERS::contains), "readable by others under umask 027: " + shown);
                assertFalse(perms.contains(PosixFilePermission.GROUP_WRITE), "group-writable under umask 027: " + shown);
                if (Files.isRegularFile(p)) {
                    String content = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
                    assertFalse(content.contains(SECRET), "the Spark secret leaked into " + p);
                    assertFalse(content.contains(PUSH_PASSWORD), "the Pushgateway password leaked into " + p);
                }
            }
            return paths.size();
        }
    }

    @Test
    void everythingARunWritesFollowsTheUmaskAndHoldsNoSecret(@TempDir Path dir) throws Exception {
        Path secretFile = dir.resolve("spark.secret");
        Files.writeString(secretFile, SECRET);
        Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-------"));
        Path jobDir = dir.resolve("nightly");

        // The run, killed once it has checkpointed epoch 2: its lock, working directory and checkpoints stay.
        Path log = dir.resolve("killed.log");
        ProcessBuilder pb = new ProcessBuilder(launcher(jobDir, secretFile)).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("NORMDROP_DRIVER_MEMORY", "2g");
        Process driver = pb.start();
        Path checkpoint = jobDir.resolve(".night-1.inprogress/checkpoint-2/state.json");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.exists(checkpoint)) {
            assertTrue(driver.isAlive(), "the run ended before its checkpoint: " + Files.readString(log));
            assertTrue(System.nanoTime() < deadline, "no checkpoint of epoch 2 in 3 minutes");
            Thread.sleep(20);
        }
        driver.destroyForcibly().waitFor();
        Path lock = jobDir.resolve(".night-1.lock");
        assertTrue(Files.exists(lock), "the killed run's lock");
        String owner = Files.readString(lock);
        assertTrue(owner.matches("\\S+ " + driver.pid() + " \\d{4}-\\d\\d-\\d\\dT\\S+Z"),
                "the lock holds host, process id and start time, nothing else: " + owner);
        int inProgress = assertPrivate(jobDir);
        assertTrue(inProgress >= 5, "lock, working directory, checkpoint files: " + inProgress);

        // Resumed to its end, published.
        Processes.Result resumed = Processes.run(launcher(jobDir, secretFile, "--resume"));
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.err().contains("normdrop: warning: metrics not pushed to the Pushgateway at http://127.0.0.1:9"),
                resumed.err());
        assertTrue(Files.exists(jobDir.resolve("night-1/_SUCCESS")));
        assertTrue(Files.exists(jobDir.resolve("published/model.zip")), "published");
        assertTrue(Files.exists(jobDir.resolve("LATEST")));
        int finished = assertPrivate(jobDir);
        System.out.printf("umask 027: %d paths while in progress, %d after the run, none readable by others%n",
                inProgress, finished);
    }
}
