package io.normdrop.store;

import io.normdrop.job.ExitCode;
import io.normdrop.job.Main;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunDirectoryTest {
    @TempDir
    Path dir;

    static void write(RunDirectory out, String name, String text) throws IOException {
        try (OutputStream os = out.create(name)) {
            os.write(text.getBytes());
        }
    }

    static long entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    @Test
    void committedRunAppearsWholeWithSuccessMarker() throws IOException {
        Path target = dir.resolve("run");
        try (RunDirectory out = RunDirectory.start(target.toString(), false, new Configuration())) {
            write(out, "model.zip", "model");
            assertFalse(Files.exists(target), "nothing at the final path before commit");
            out.commit();
        }
        assertEquals("model", Files.readString(target.resolve("model.zip")));
        assertTrue(Files.exists(target.resolve(RunDirectory.SUCCESS)));
        assertEquals(2, entries(target), "no .crc or temporary files");
        assertEquals(1, entries(dir), "temporary directory gone");
    }

    @Test
    void failedRunLeavesNothing() throws IOException {
        Path target = dir.resolve("run");
        try (RunDirectory out = RunDirectory.start(target.toString(), false, new Configuration())) {
            write(out, "model.zip", "half");
        }
        assertEquals(0, entries(dir));
    }

    @Test
    void existingOutputIsRefusedUnlessOverwrite() throws IOException {
        Path target = dir.resolve("run");
        Files.createDirectories(target);
        Files.writeString(target.resolve("old"), "old");
        OutputExistsException e = assertThrows(OutputExistsException.class,
                () -> RunDirectory.start(target.toString(), false, new Configuration()));
        assertTrue(e.getMessage().contains("exists; pass --overwrite"), e.getMessage());
        try (RunDirectory out = RunDirectory.start(target.toString(), true, new Configuration())) {
            write(out, "new", "new");
            assertTrue(Files.exists(target.resolve("old")), "old run intact until commit");
            out.commit();
        }
        assertFalse(Files.exists(target.resolve("old")));
        assertEquals("new", Files.readString(target.resolve("new")));
        assertEquals(1, entries(dir));
    }

    @Test
    void aSecondRunOnTheSameDirectoryIsRefusedWhileTheFirstHoldsTheLock() throws IOException {
        Path target = dir.resolve("nightly");
        try (RunDirectory first = RunDirectory.start(target.toString(), false, new Configuration())) {
            RunInProgressException e = assertThrows(RunInProgressException.class,
                    () -> RunDirectory.start(target.toString(), false, new Configuration()));
            assertTrue(e.getMessage().startsWith("run directory file:" + target + " is being written by another run ("
                    + java.net.InetAddress.getLocalHost().getHostName() + " " + ProcessHandle.current().pid() + " "),
                    e.getMessage());
            assertEquals(ExitCode.RUN_IN_PROGRESS, Main.exitCode(e));
            write(first, "a.txt", "a");
            first.commit();
        }
        assertFalse(Files.exists(dir.resolve(".nightly.lock")), "lock released");
        assertThrows(OutputExistsException.class, () -> RunDirectory.start(target.toString(), false, new Configuration()));
    }

    @Test
    void aLockLeftByADeadProcessOfThisHostIsTakenOver() throws IOException {
        Process dead = new ProcessBuilder("true").start();
        try {
            dead.waitFor();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        Files.writeString(dir.resolve(".nightly.lock"),
                java.net.InetAddress.getLocalHost().getHostName() + " " + dead.pid() + " 2026-11-27T00:00:00Z");
        try (RunDirectory out = RunDirectory.start(dir.resolve("nightly").toString(), false, new Configuration())) {
            assertTrue(Files.readString(dir.resolve(".nightly.lock")).contains(" " + ProcessHandle.current().pid() + " "));
        }
        Files.writeString(dir.resolve(".nightly.lock"), "some-other-host 1 2026-11-27T00:00:00Z");
        assertThrows(RunInProgressException.class,
                () -> RunDirectory.start(dir.resolve("nightly").toString(), false, new Configuration()),
                "a lock of another host cannot be checked, so it holds");
    }

    @Test
    void checkpointsSurviveAFailureForResumeAndVanishOnCommit() throws IOException {
        Path target = dir.resolve("run");
        try (RunDirectory out = RunDirectory.start(target.toString(), false, new Configuration())) {
            for (int epoch = 1; epoch <= 3; epoch++) {
                java.nio.file.Files.writeString(Path.of(out.newCheckpoint(epoch).toUri()).resolve("state.json"), "{}");
                out.dropCheckpointsBefore(epoch, 0);
            }
            // The run fails here: no commit.
        }
        Path work = dir.resolve(".run.inprogress");
        assertTrue(Files.exists(work.resolve("checkpoint-3/state.json")));
        assertFalse(Files.exists(work.resolve("checkpoint-2")), "older checkpoints dropped");
        assertFalse(Files.exists(target));
        assertFalse(Files.exists(dir.resolve(".run.lock")));

        try (RunDirectory resumed = RunDirectory.start(target.toString(), false, true, new Configuration())) {
            assertEquals("checkpoint-3", resumed.latestCheckpoint("state.json").orElseThrow().getName());
            Files.createDirectories(work.resolve("checkpoint-4"));
            assertEquals("checkpoint-3", resumed.latestCheckpoint("state.json").orElseThrow().getName(),
                    "a checkpoint without its state file is incomplete");
            write(resumed, "model.zip", "m");
            resumed.commit();
        }
        assertEquals(List.of("_SUCCESS", "model.zip"), names(target));
        assertFalse(Files.exists(work));

        try (RunDirectory fresh = RunDirectory.start(dir.resolve("other").toString(), false, new Configuration())) {
            write(fresh, "x", "x");
        }
        assertFalse(Files.exists(dir.resolve(".other.inprogress")), "a failure before any checkpoint keeps nothing");
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
