package io.normdrop.job;

import io.normdrop.store.RunFiles;
import io.normdrop.testing.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's spark-submit example through Spark's own SparkSubmit (client mode, local[2]):
 * the job jar loads in Spark's user class loader, finds its native backend, and takes its
 * settings from conf/spark-defaults.conf.
 */
class SparkSubmitIT {
    @Test
    void jobJarRunsUnderSparkSubmit(@TempDir Path dir) throws Exception {
        String classpath = Files.readString(Path.of("target/spark.classpath")).trim();
        Path run = dir.resolve("run");
        Processes.Result r = Processes.run(List.of("java", "-Xmx2g", "@conf/java17-module-flags.args",
                "-cp", classpath, "org.apache.spark.deploy.SparkSubmit",
                "--master", "local[2]", "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.ui.enabled=false",
                "--properties-file", "conf/spark-defaults.conf",
                "--class", "io.normdrop.job.Main", "target/normdrop-job.jar",
                "train", "jobs/quickstart.conf", "--out", run.toString(), "--set", "training.epochs=1"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("2 workers on local[2]"), r.out());
        assertTrue(r.out().contains("normdrop: test accuracy "), r.out());
        assertTrue(Files.exists(run.resolve("_SUCCESS")));
        assertTrue(Files.readString(run.resolve(RunFiles.PROVENANCE)).contains("\"master\" : \"local[2]\""));
    }
}
