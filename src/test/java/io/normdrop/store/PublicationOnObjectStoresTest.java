package io.normdrop.store;

import io.normdrop.metrics.MetricsFiles;
import io.normdrop.metrics.SampleRun;
import io.normdrop.testing.CopyingRenameFileSystem;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Publication where a rename is a copy (object stores): on a file system that copies file after
 * file to rename and can be made to fail after any write, committing and publishing a run is
 * interrupted at every step in turn; after each failure a reader that follows {@code LATEST}
 * still loads the previous run, whole, and once nothing fails it loads the new one, whole.
 */
class PublicationOnObjectStoresTest {
    @TempDir
    java.nio.file.Path dir;

    @AfterEach
    void noLimit() {
        CopyingRenameFileSystem.BUDGET.set(-1);
    }

    private Configuration conf() {
        Configuration conf = new Configuration();
        conf.set("fs." + CopyingRenameFileSystem.SCHEME + ".impl", CopyingRenameFileSystem.class.getName());
        return conf;
    }

    private String job() {
        return CopyingRenameFileSystem.SCHEME + "://" + dir.resolve("job").toUri().getPath();
    }

    /** Commits run {@code id} (its model file holds the id) and publishes it, as a passing run is. */
    private void runAndPublish(String id, double accuracy) throws IOException {
        try (RunDirectory run = RunDirectory.start(job() + "/" + id, id, false, false, conf())) {
            write(run, "model.zip", id.repeat(1000));
            write(run, MetricsFiles.JSON_FILE, MetricsFiles.json(SampleRun.of(id, SampleRun.network(1), accuracy)));
            run.commit();
            Publication.publish(run.fileSystem(), run.target().getParent(), run.target(), id);
        }
    }

    private static void write(RunDirectory run, String name, String text) throws IOException {
        try (OutputStream os = run.create(name)) {
            os.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** What a consumer loads: the run LATEST names, its model file's content and its accuracy. */
    private String published(FileSystem fs) throws IOException {
        Path run = Publication.resolve(fs, new Path(job()));
        assertTrue(fs.exists(new Path(run, RunDirectory.SUCCESS)), run + " is whole");
        try (FSDataInputStream in = fs.open(new Path(run, "model.zip"))) {
            String model = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(run.getName().repeat(1000), model, "the model file of " + run + ", whole");
        }
        return run.getName();
    }

    @Test
    void aFailureAtAnyStepLeavesThePreviousPublicationWholeAndReadable() throws IOException {
        runAndPublish("night-1", 0.88);
        FileSystem fs = FileSystem.newInstance(URI.create(job()), conf());
        assertFalse(HadoopFiles.renamesAtomically(fs), "renames by copying: published by LATEST alone");
        assertEquals("night-1", published(fs));
        int failures = 0;
        for (int step = 0; ; step++) {
            CopyingRenameFileSystem.BUDGET.set(step);
            try {
                runAndPublish("night-2-" + step, 0.89);
            } catch (IOException | RuntimeException e) {
                CopyingRenameFileSystem.BUDGET.set(-1);
                assertTrue(String.valueOf(e.getMessage()).contains("injected failure")
                        || String.valueOf(e.getCause()).contains("injected failure"), String.valueOf(e));
                assertEquals("night-1", published(fs), "after a failure at step " + step);
                failures++;
                continue;
            }
            CopyingRenameFileSystem.BUDGET.set(-1);
            assertEquals("night-2-" + step, published(fs), "published once every step succeeded");
            assertEquals(0.89, Publication.publishedAccuracy(fs, new Path(job())).getAsDouble(), 1e-12);
            break;
        }
        assertTrue(failures >= 8, "the lock, the files, _SUCCESS, the copy of each, the deletes, LATEST: " + failures);
        assertFalse(fs.exists(new Path(job(), Publication.PUBLISHED)), "no copy that could be seen half done");
    }

    @Test
    void localAndHdfsRenameAtomicallyObjectStoresDoNot() throws IOException {
        for (String uri : new String[]{"file:///", "hdfs://127.0.0.1:1/"}) {
            assertTrue(atomic(uri), uri);
        }
        assertFalse(atomic(job()));
    }

    private boolean atomic(String uri) throws IOException {
        URI u = URI.create(uri);
        if (u.getScheme().equals("hdfs")) {
            // No namenode is needed to know the scheme.
            return HadoopFiles.renamesAtomically(new org.apache.hadoop.fs.RawLocalFileSystem() {
                @Override
                public URI getUri() {
                    return u;
                }
            });
        }
        return HadoopFiles.renamesAtomically(FileSystem.newInstance(u, conf()));
    }
}
