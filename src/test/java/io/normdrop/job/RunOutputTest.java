package io.normdrop.job;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunOutputTest {
    @TempDir
    Path dir;

    static void write(RunOutput out, String name, String text) throws IOException {
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
        try (RunOutput out = RunOutput.start(target.toString(), false, new Configuration())) {
            write(out, "model.zip", "model");
            assertFalse(Files.exists(target), "nothing at the final path before commit");
            out.commit();
        }
        assertEquals("model", Files.readString(target.resolve("model.zip")));
        assertTrue(Files.exists(target.resolve(RunOutput.SUCCESS)));
        assertEquals(2, entries(target), "no .crc or temporary files");
        assertEquals(1, entries(dir), "temporary directory gone");
    }

    @Test
    void failedRunLeavesNothing() throws IOException {
        Path target = dir.resolve("run");
        try (RunOutput out = RunOutput.start(target.toString(), false, new Configuration())) {
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
                () -> RunOutput.start(target.toString(), false, new Configuration()));
        assertTrue(e.getMessage().contains("exists; pass --overwrite"), e.getMessage());
        try (RunOutput out = RunOutput.start(target.toString(), true, new Configuration())) {
            write(out, "new", "new");
            assertTrue(Files.exists(target.resolve("old")), "old run intact until commit");
            out.commit();
        }
        assertFalse(Files.exists(target.resolve("old")));
        assertEquals("new", Files.readString(target.resolve("new")));
        assertEquals(1, entries(dir));
    }
}
