package io.normdrop.train;

import io.normdrop.config.ConfigException;
import io.normdrop.config.JobFiles;
import io.normdrop.config.LoadedJob;
import io.normdrop.config.TrainingConfig;
import io.normdrop.config.TrainingMasterKind;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The allreduce master's use of Spark's internals is checked before training: on the Spark the
 * tests run, every signature is there; on a Spark of another version (faked here), a job that
 * asked for allreduce is refused (exit 64) and one that left the master at its default trains
 * with the resident master, with a warning.
 */
class SparkInternalsTest {
    static final String JOB = """
            data { format = csv, csv { header = true, label = label }, train.path = "t.csv", test.path = "t.csv" }
            model.layers = [ { type = dense, units = 4 }, { type = output } ]
            output.dir = "runs/x"
            """;

    @Test
    void theRunningSparkHasEverythingTheAllreduceMasterCalls() {
        assertEquals(List.of(), SparkInternals.missing(org.apache.spark.package$.MODULE$.SPARK_VERSION()));
    }

    @Test
    void theRunningSparkListsItsExecutorsAsTheReleaseOfARunCallsIt() {
        assertEquals(List.of(), SparkInternals.missing(SparkInternals.EXECUTOR_LIST));
        // The control: a call this Spark lacks is named.
        assertEquals(List.of("org.apache.spark.SparkContext.executorListOfAnotherSpark"), SparkInternals.missing(
                new String[][]{{"org.apache.spark.SparkContext", "executorListOfAnotherSpark"}}));
    }

    @Test
    void onAnotherSparkAnExplicitAllreduceIsRefusedAndTheDefaultFallsBack() {
        List<String> gaps = SparkInternals.missing("3.4.1");
        assertEquals(List.of("Spark 3.4.1 (tested: 3.5.x)"), gaps);

        LoadedJob explicit = JobFiles.parse(JOB + "training.master = allreduce\n", List.of());
        assertTrue(explicit.sets("training.master"));
        StringWriter warnings = new StringWriter();
        ConfigException e = assertThrows(ConfigException.class, () -> SparkInternals.forThisSpark(
                explicit.config().training(), explicit.sets("training.master"), "3.4.1", new PrintWriter(warnings)));
        assertEquals("training.master: is allreduce, but the allreduce master calls Spark internals that this Spark "
                + "lacks or that were not tested on it: Spark 3.4.1 (tested: 3.5.x); use training.master = resident",
                e.getMessage());

        LoadedJob plain = JobFiles.parse(JOB, List.of());
        assertTrue(!plain.sets("training.master"));
        TrainingConfig fallen = SparkInternals.forThisSpark(plain.config().training(), false, "3.4.1",
                new PrintWriter(warnings));
        assertEquals(TrainingMasterKind.RESIDENT, fallen.master());
        assertTrue(warnings.toString().startsWith("normdrop: warning: training with the resident master: the allreduce "
                + "master calls Spark internals"), warnings.toString());

        // A default that cannot fall back (round checkpoints are allreduce's) is refused too.
        LoadedJob rounds = JobFiles.parse(JOB + "training.checkpoint.everyRounds = 5\n", List.of());
        assertTrue(assertThrows(ConfigException.class, () -> SparkInternals.forThisSpark(rounds.config().training(), false,
                "3.4.1", new PrintWriter(new StringWriter()))).getMessage().contains("the resident master cannot take"));

        // On the Spark the tests run, nothing changes.
        assertSame(plain.config().training(), SparkInternals.forThisSpark(plain.config().training(), false,
                org.apache.spark.package$.MODULE$.SPARK_VERSION(), new PrintWriter(new StringWriter())));
    }
}
