package io.normdrop.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.normdrop.config.JobFiles;
import io.normdrop.metrics.MetricsFiles;
import io.normdrop.testing.LocalSpark;
import io.normdrop.testing.MiniHadoop;
import io.normdrop.testing.SparkHome;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Normdrop on a real YARN (Hadoop's MiniYARNCluster with the MiniDFSCluster, on 127.0.0.1,
 * started once for the class): {@code deploy/yarn/submit-yarn.sh} submits the job jar through
 * Spark's own SparkSubmit with {@code --master yarn}, in client and in cluster mode (the job file
 * shipped with {@code --files}), Spark's jars localized from {@code spark.yarn.archive} on HDFS,
 * data and output on HDFS. Both train on two executor containers and end with the local run's
 * accuracy; an executor container killed during training costs an epoch's retry, not the run.
 */
@ExtendWith(LocalSpark.class)
class YarnIT {
    /** The standalone test's job: deterministic (no dropout), two workers on two executors of one core. */
    static final List<String> JOB = StandaloneClusterIT.JOB;

    static MiniHadoop hadoop;
    static FileSystem fs;
    static Path sparkHome;
    static Path work;

    @BeforeAll
    static void startYarn() throws IOException {
        sparkHome = SparkHome.assemble();
        work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "yarn-it");
        // Memory for an application master (the cluster-mode driver: 2g + 1g), two executors
        // (1g + 1g each) and a replacement for a killed one.
        hadoop = MiniHadoop.hdfsAndYarn(work.resolve("cluster"), 10_240);
        fs = hadoop.fileSystem();
        try (Stream<Path> sample = Files.list(Path.of("jobs/data/fashion-mnist-sample"))) {
            for (Path f : sample.filter(f -> f.toString().endsWith(".gz")).toList()) {
                hadoop.put(f, "/datasets/sample/" + f.getFileName());
            }
        }
        // spark.yarn.archive, as the README has a YARN user make it once: Spark's jars in one zip on
        // HDFS, readable by all, so each node manager localizes it once into its public cache.
        try (ZipOutputStream zip = new ZipOutputStream(fs.create(new org.apache.hadoop.fs.Path("/apps/spark/spark-libs.zip")))) {
            zip.setLevel(Deflater.NO_COMPRESSION);
            try (Stream<Path> jars = Files.list(sparkHome.resolve("jars"))) {
                for (Path jar : jars.sorted().toList()) {
                    zip.putNextEntry(new ZipEntry(jar.getFileName().toString()));
                    try (InputStream in = Files.newInputStream(jar)) {
                        in.transferTo(zip);
                    }
                    zip.closeEntry();
                }
            }
        }
    }

    @AfterAll
    static void stopYarn() {
        if (hadoop != null) {
            hadoop.close();
        }
    }

    /** {@code deploy/yarn/submit-yarn.sh jobs/quickstart.conf} in {@code mode}, writing to {@code out} on HDFS. */
    static Process submit(String mode, String out, Path log, List<String> sets) throws IOException {
        return submit(mode, hadoop.uri("/datasets/sample"), out, log, sets);
    }

    static Process submit(String mode, String data, String out, Path log, List<String> sets) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bash", "deploy/yarn/submit-yarn.sh", "jobs/quickstart.conf"));
        for (String s : sets) {
            cmd.addAll(List.of("--set", s));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.putAll(Map.of("SPARK_HOME", sparkHome.toString(), "SPARK_LOCAL_IP", "127.0.0.1",
                "HADOOP_CONF_DIR", hadoop.confDir().toString(), "NORMDROP_DEPLOY_MODE", mode,
                "NORMDROP_DATA", data, "NORMDROP_OUT", out,
                "NORMDROP_SPARK_ARCHIVE", hadoop.uri("/apps/spark/spark-libs.zip"),
                // Sized for this machine; the script's defaults are for a real cluster's nodes.
                "NORMDROP_SUBMIT_ARGS", "--executor-cores 1 --executor-memory 1g --conf spark.executor.memoryOverhead=1g"
                        + " --driver-memory 2g --conf spark.driver.memoryOverhead=1g --conf spark.driver.host=127.0.0.1"
                        + " --conf spark.yarn.appMasterEnv.SPARK_LOCAL_IP=127.0.0.1"
                        + " --conf spark.executorEnv.SPARK_LOCAL_IP=127.0.0.1 --conf spark.ui.enabled=false"));
        env.remove("_SPARK_AUTH_SECRET");
        return pb.start();
    }

    /** Waits for a submit, with what YARN's containers printed when it failed. */
    static int await(Process p, Path log) throws Exception {
        if (!p.waitFor(6, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("spark-submit did not end in 6 minutes: " + read(log) + containerLogs());
        }
        return p.exitValue();
    }

    /** The last lines of every container's stderr, newest application first (for a failure's message). */
    static String containerLogs() {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.walk(hadoop.yarnWorkDir())) {
            for (Path f : files.filter(f -> f.getFileName().toString().equals("stderr") && f.toString().contains("logDir"))
                    .sorted(Comparator.comparing(Path::toString).reversed()).toList()) {
                List<String> lines = Files.readAllLines(f);
                sb.append("\n--- ").append(f).append('\n')
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            sb.append("\n(container logs unreadable: ").append(e).append(')');
        }
        return sb.toString();
    }

    static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static JsonNode metrics(String run) throws IOException {
        return MetricsFiles.read(fs.open(new org.apache.hadoop.fs.Path(run + "/" + MetricsFiles.JSON_FILE)), run);
    }

    @Test
    void clientAndClusterModeTrainOnTwoExecutorContainersAsWellAsLocalMode(JavaSparkContext sc) throws Exception {
        List<String> local = new ArrayList<>(HdfsIT.dataOnHdfs(hadoop));
        local.addAll(JOB);
        local.add("output.dir=\"" + work.resolve("local") + "\"");
        TrainJob.Outcome reference = new TrainJob(JobFiles.load(Path.of("jobs/quickstart.conf"), local), false)
                .run(sc, new PrintWriter(new StringWriter(), true));

        for (String mode : List.of("client", "cluster")) {
            String out = hadoop.uri("/models/yarn-" + mode);
            Path log = work.resolve(mode + ".log");
            int code = await(submit(mode, out, log, JOB), log);
            String printed = Files.readString(log);
            assertEquals(0, code, () -> mode + ": " + printed + containerLogs());
            // A client-mode driver prints to the submit's console; a cluster-mode one to its container's
            // log, and the submit reports the application's end.
            assertTrue(printed.contains(mode.equals("client") ? "2 workers on yarn" : "final status: SUCCEEDED"),
                    mode + ": " + printed);
            JsonNode m = metrics(out);
            assertEquals("yarn", m.at("/spark/master").asText(), m.get("spark").toString());
            assertEquals(2, ClusterRuns.busyExecutors(m).size(), "tasks ran on two executor containers: " + m.at("/spark/executors"));
            System.out.printf("YARN %s mode: accuracy %.4f (local %.4f)%n", mode, m.at("/result/accuracy").asDouble(),
                    reference.testAccuracy());
            // The same job gives the same model wherever it runs: executor containers, bit for bit.
            assertEquals(reference.metrics().model().parameterDigest(), m.at("/model/parameterDigest").asText(),
                    mode + " mode vs local mode");
        }
    }

    /**
     * A cluster-mode run that fails fails the YARN application, and the submit exits with
     * Normdrop's own code, as in client mode (a scheduler tells a missing input, 66, from a bad
     * job, 64, or a failed gate, 81); the driver's one-line error is in the application master's log.
     */
    @Test
    void aFailedClusterModeRunFailsTheApplicationWithNormdropsExitCode() throws Exception {
        String missing = hadoop.uri("/datasets/missing");
        Path log = work.resolve("failed.log");
        int code = await(submit("cluster", missing, hadoop.uri("/models/yarn-failed"), log, JOB), log);
        String printed = read(log);
        assertEquals(66, code, printed);
        assertTrue(printed.contains("final status: FAILED"), printed);
        assertTrue(printed.contains("normdrop exited with code 66"), printed);
        assertTrue(containerLogs().contains("normdrop: " + missing + "/train-images-idx3-ubyte.gz"), containerLogs());
        assertFalse(fs.exists(new org.apache.hadoop.fs.Path(hadoop.uri("/models/yarn-failed"))), "nothing written");

        List<String> bad = new ArrayList<>(JOB);
        bad.add("training.averagingPeriod=0");
        Path badLog = work.resolve("bad-job.log");
        int badCode = await(submit("cluster", hadoop.uri("/datasets/sample"), hadoop.uri("/models/yarn-bad"),
                badLog, bad), badLog);
        assertEquals(64, badCode, read(badLog));
        assertTrue(read(badLog).contains("normdrop exited with code 64"), read(badLog));
    }

    /**
     * An executor container's JVM killed while the workers are inside epoch 2's rounds: YARN
     * reports the container lost, Spark asks YARN for a replacement and runs the epoch's barrier
     * stage again on it, and the run ends as it should.
     */
    @Test
    void anExecutorContainerKilledDuringTrainingCostsARetryNotTheRun() throws Exception {
        String out = hadoop.uri("/models/yarn-killed");
        Path log = work.resolve("killed.log");
        List<String> sets = new ArrayList<>(JOB);
        sets.set(0, "training.epochs=3");
        // About 60 rounds per epoch, so the epoch's stage runs for seconds: the kill lands inside it.
        sets.addAll(List.of("training.batchSizePerWorker=16", "data.batchSize=16", "training.averagingPeriod=5"));
        Process p = submit("client", out, log, sets);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        int epoch1;
        while ((epoch1 = read(log).indexOf("epoch 1/3")) < 0) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, () -> "no first epoch: " + read(log) + containerLogs());
            Thread.sleep(50);
        }
        // Epoch 2's barrier stage starts once epoch 1's checkpoint is on HDFS; the kill lands inside its rounds.
        while (read(log).indexOf("tasks for barrier stage", epoch1) < 0) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, () -> "no second epoch: " + read(log) + containerLogs());
            Thread.sleep(50);
        }
        Thread.sleep(1500);
        assertFalse(read(log).contains("epoch 2/3"), "epoch 2 still running");
        // The node manager runs in this JVM: its containers are processes of this JVM.
        List<ProcessHandle> executors = ProcessHandle.current().descendants()
                .filter(h -> h.info().command().orElse("").endsWith("/java")
                        && h.info().commandLine().orElse("").contains("YarnCoarseGrainedExecutorBackend")).toList();
        assertEquals(2, executors.size(), "two executor containers");
        executors.get(0).destroyForcibly();

        int code = await(p, log);
        assertEquals(0, code, () -> read(log) + containerLogs());
        JsonNode m = metrics(out);
        ClusterRuns.assertEpoch2Retried("YARN", m, read(log));
        // YARN's first two executors register before the job's listener starts; the replacement after.
        assertEquals(1, m.at("/epochs/1/spark/executorsAdded").asLong(), "a replacement container in epoch 2: "
                + m.at("/epochs/1/spark"));
        assertEquals(3, ClusterRuns.busyExecutors(m).size(), "the replacement ran tasks: " + m.at("/spark/executors"));
    }
}
