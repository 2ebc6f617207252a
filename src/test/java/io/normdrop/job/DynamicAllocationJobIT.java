package io.normdrop.job;

import io.normdrop.config.JobFiles;
import io.normdrop.config.LoadedJob;
import io.normdrop.testing.LocalSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code train} and {@code validate} on a Spark context with dynamic allocation on, where Spark
 * refuses the allreduce master's barrier stages: a job asking for allreduce is refused before
 * anything runs (exit 64, one line naming the key and the masters that work), a job leaving the
 * master at its default trains with the resident master and says so.
 */
@ExtendWith(LocalSpark.class)
@LocalSpark.Settings({"spark.dynamicAllocation.enabled=true", "spark.dynamicAllocation.testing=true"})
class DynamicAllocationJobIT {
    @TempDir
    static Path dir;

    @BeforeAll
    static void data() throws IOException {
        StringBuilder csv = new StringBuilder("label,a,b\n");
        for (int i = 0; i < 60; i++) {
            csv.append(i % 3).append(',').append(i % 3 + 0.1 * (i % 7)).append(',').append(2 - i % 3).append('\n');
        }
        Files.writeString(dir.resolve("train.csv"), csv);
        Files.writeString(dir.resolve("test.csv"), csv);
    }

    static LoadedJob job(String run, String... sets) throws IOException {
        Path file = dir.resolve("job.conf");
        Files.writeString(file, RefusalsIT.csvJob(dir.resolve("train.csv"), dir.resolve("test.csv"), dir.resolve(run)));
        return JobFiles.load(file, List.of(sets));
    }

    @Test
    void trainAndValidateRefuseAnAllreduceMasterAskedFor(JavaSparkContext sc) throws IOException {
        LoadedJob job = job("refused", "training.master=allreduce");
        Exception train = assertThrows(Exception.class, () -> new TrainJob(job, false)
                .run(sc, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())));
        Exception validate = assertThrows(Exception.class, () -> ValidateCommand.validate(sc, job,
                new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())));
        assertEquals(ExitCode.USAGE, Main.exitCode(train));
        assertEquals(ExitCode.USAGE, Main.exitCode(validate));
        List<String> lines = Main.errorLines(train);
        assertEquals(lines, Main.errorLines(validate));
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("training.master: is allreduce, but Spark runs no barrier stage"), lines.get(0));
        assertTrue(lines.get(0).contains("use training.master = resident or parameter-averaging"), lines.get(0));
        assertFalse(Files.exists(dir.resolve("refused")), "refused before writing a run");
    }

    @Test
    void trainLeavingTheMasterAtItsDefaultTrainsWithResident(JavaSparkContext sc) throws IOException {
        StringWriter err = new StringWriter();
        TrainJob.Outcome outcome = new TrainJob(job("trained"), false).run(sc, new PrintWriter(new StringWriter()),
                new PrintWriter(err));
        assertTrue(err.toString().contains("normdrop: warning: training with the resident master instead of the default"
                + " allreduce: Spark runs no barrier stage"), err.toString());
        assertEquals("resident", outcome.metrics().settings().approach(), "the run's metrics name the master that trained");
        assertTrue(Files.exists(dir.resolve("trained").resolve("_SUCCESS")));
    }
}
