package io.normdrop.job;

import io.normdrop.config.JobFiles;
import io.normdrop.config.LoadedJob;
import io.normdrop.store.OutputExistsException;
import io.normdrop.store.QualityGateException;
import io.normdrop.testing.LocalSpark;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A nightly job with run ids: each run in its own directory, only a run that passes the gate published. */
@ExtendWith(LocalSpark.class)
class PublishIT {
    private static LoadedJob job(Path dir, String... extra) {
        List<String> sets = new ArrayList<>(List.of("output.dir=\"" + dir + "\"", "training.epochs=1",
                "data.train.limit=1280", "data.test.limit=300", "model.layers[0].units=32", "model.layers[1].units=16"));
        sets.addAll(List.of(extra));
        return JobFiles.load(Path.of("jobs/quickstart.conf"), sets);
    }

    @Test
    void runsGetTheirOwnDirectoriesAndOnlyPassingRunsArePublished(JavaSparkContext sc, @TempDir Path dir) throws Exception {
        StringWriter console = new StringWriter();
        PrintWriter out = new PrintWriter(console, true);

        TrainJob.Outcome first = new TrainJob(job(dir, "output.runId=night-1"), false).run(sc, out);
        assertEquals("file:" + dir.resolve("night-1"), first.directory());
        assertTrue(Files.exists(dir.resolve("night-1/_SUCCESS")));
        assertEquals("night-1", Files.readString(dir.resolve("LATEST")).strip());
        assertTrue(Files.exists(dir.resolve("published/model.zip")));
        assertTrue(console.toString().contains("normdrop: published run night-1 as "), console.toString());

        // A run below the gate is kept for inspection, and nothing changes in what is published.
        QualityGateException gate = assertThrows(QualityGateException.class,
                () -> new TrainJob(job(dir, "output.runId=night-2", "quality.minAccuracy=0.999"), false).run(sc, out));
        assertTrue(gate.getMessage().startsWith("quality gate failed: test accuracy "), gate.getMessage());
        assertTrue(gate.getMessage().endsWith("nothing was published"), gate.getMessage());
        assertEquals(ExitCode.QUALITY_GATE, Main.exitCode(gate));
        assertTrue(Files.exists(dir.resolve("night-2/_SUCCESS")));
        assertEquals("night-1", Files.readString(dir.resolve("LATEST")).strip());
        assertEquals(Files.readString(dir.resolve("night-1/metrics.json")), Files.readString(dir.resolve("published/metrics.json")));
        // predict given the job directory loads the run LATEST names (how object stores publish).
        assertEquals("file:" + dir.resolve("night-1/model-inference.zip"), io.normdrop.score.TrainedModel.load(
                dir.toString(), false, sc.hadoopConfiguration()).file());

        // A finished run id is not run again without --overwrite.
        assertThrows(OutputExistsException.class, () -> new TrainJob(job(dir, "output.runId=night-1"), false).run(sc, out));

        // auto: an id from the start time.
        TrainJob.Outcome auto = new TrainJob(job(dir, "output.runId=auto"), false).run(sc, out);
        String id = Path.of(java.net.URI.create(auto.directory())).getFileName().toString();
        assertTrue(id.matches("\\d{8}-\\d{6}"), id);
        assertEquals(id, Files.readString(dir.resolve("LATEST")).strip());
        try (var files = Files.list(dir)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().startsWith(".")), "no hidden leftovers");
        }
    }
}
