package io.normdrop.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.normdrop.config.JobFiles;
import io.normdrop.metrics.MetricsFiles;
import io.normdrop.testing.LocalSpark;
import io.normdrop.testing.SparkHome;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real Spark standalone cluster on 127.0.0.1: a master and two workers started from the Spark
 * jars Maven resolved (a SPARK_HOME assembled under target/), with spark.authenticate on and the
 * secret handed over in a file or the environment, never on a command line. The job jar goes in
 * through Spark's own SparkSubmit (client mode by deploy/submit.sh), in client and in cluster mode, and trains on executors in
 * their own JVMs, also with AES on the wire (RPC and block transfers) and encrypted shuffle files, to the same parameters;
 * an executor killed inside an averaging round costs a retry of the epoch, not the run. Everything started here is
 * stopped after, also when a test fails.
 */
@ExtendWith(LocalSpark.class)
class StandaloneClusterIT {
    static final String SECRET = "normdrop-it-" + Long.toHexString(System.nanoTime()) + "-secret";
    static final List<String> JOB = List.of("training.epochs=2", "training.workers=2",
            "model.layers[1].dropout.keep=1.0", "model.layers[2].dropout.keep=1.0");

    static Path sparkHome;
    static Path work;
    static Path secretFile;
    static String master;
    static final List<Process> daemons = new ArrayList<>();

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    static ProcessBuilder java(List<String> args, Path log, boolean withSecret) {
        List<String> cmd = new ArrayList<>(List.of("java", "-Xmx1g", "@conf/java17-module-flags.args",
                "-cp", sparkHome.resolve("jars") + "/*"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", "2.12");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.remove("_SPARK_AUTH_SECRET");
        if (withSecret) {
            env.put("_SPARK_AUTH_SECRET", SECRET);
        }
        return pb;
    }

    @BeforeAll
    static void startCluster() throws Exception {
        sparkHome = SparkHome.assemble();
        work = Files.createTempDirectory("normdrop-cluster");
        secretFile = work.resolve("spark.secret");
        Files.writeString(secretFile, SECRET);
        Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-------"));
        int port = freePort();
        master = "spark://127.0.0.1:" + port;
        Path masterLog = work.resolve("master.log");
        // The daemons as the README's cluster section sets them up: authentication and AES on their RPC.
        daemons.add(java(List.of("-Dspark.authenticate=true", "-Dspark.network.crypto.enabled=true",
                "org.apache.spark.deploy.master.Master",
                "--host", "127.0.0.1", "--port", String.valueOf(port), "--webui-port", "0"), masterLog, true).start());
        for (int w = 1; w <= 2; w++) {
            daemons.add(java(List.of("-Dspark.authenticate=true", "-Dspark.network.crypto.enabled=true",
                    "org.apache.spark.deploy.worker.Worker",
                    "--host", "127.0.0.1", "--cores", "2", "--memory", "3g", "--webui-port", "0",
                    "--work-dir", work.resolve("worker" + w).toString(), master), work.resolve("worker" + w + ".log"), true).start());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (Files.readString(masterLog).split("Registering worker", -1).length - 1 < 2) {
            assertTrue(System.nanoTime() < deadline, "two workers did not register: " + Files.readString(masterLog));
            assertTrue(daemons.stream().allMatch(Process::isAlive), "a daemon died: " + Files.readString(masterLog));
            Thread.sleep(200);
        }
    }

    @AfterAll
    static void stopCluster() throws InterruptedException {
        for (Process p : daemons) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroy();
        }
        for (Process p : daemons) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
        // The workers' directories hold every application's jars and logs: over a gigabyte.
        org.apache.commons.io.FileUtils.deleteQuietly(work.toFile());
    }

    record Submitted(int code, String output) {
    }

    static Process submit(String mode, Path out, Path log, boolean secretInEnvironment, List<String> confs, List<String> sets)
            throws IOException {
        List<String> args = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit", "--master", master,
                "--deploy-mode", mode, "--properties-file", "conf/spark-defaults.conf",
                "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.executor.memory=1g",
                "--conf", "spark.driver.memory=2g", "--conf", "spark.cores.max=2", "--conf", "spark.executor.cores=1",
                "--conf", "spark.standalone.submit.waitAppCompletion=true"));
        args.addAll(confs);
        Path root = Path.of("").toAbsolutePath();
        args.addAll(List.of("--class", "io.normdrop.job.Main", root.resolve("target/normdrop-job.jar").toString(),
                "train", root.resolve("jobs/quickstart.conf").toString()));
        args.addAll(trainOptions(out, sets));
        return java(args, log, secretInEnvironment).start();
    }

    /**
     * {@code train}'s options after the job file: the run directory, the sample data by absolute
     * path (a cluster-mode driver runs in a worker's directory), and {@code sets}.
     */
    static List<String> trainOptions(Path out, List<String> sets) {
        Path data = Path.of("jobs/data/fashion-mnist-sample").toAbsolutePath();
        List<String> options = new ArrayList<>(List.of("--out", out.toString()));
        List<String> all = new ArrayList<>();
        for (String role : List.of("train", "t10k")) {
            String key = role.equals("train") ? "train" : "test";
            all.add("data." + key + ".images=\"" + data.resolve(role + "-images-idx3-ubyte.gz") + "\"");
            all.add("data." + key + ".labels=\"" + data.resolve(role + "-labels-idx1-ubyte.gz") + "\"");
        }
        all.addAll(sets);
        for (String s : all) {
            options.addAll(List.of("--set", s));
        }
        return options;
    }

    static Submitted await(Process p, Path log) throws Exception {
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("spark-submit did not end in 5 minutes: " + Files.readString(log));
        }
        return new Submitted(p.exitValue(), Files.readString(log));
    }

    static JsonNode metrics(Path run) throws IOException {
        return MetricsFiles.read(Files.newInputStream(run.resolve(MetricsFiles.JSON_FILE)), run.toString());
    }

    static void assertRanOnExecutorJvms(JsonNode m) {
        assertTrue(ClusterRuns.busyExecutors(m).size() >= 2, "tasks ran on two executors of their own: " + m.at("/spark/executors"));
    }

    /** No file below {@code dir} contains the secret. */
    static void assertNoSecret(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.equals(secretFile)).toList()) {
                assertFalse(new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1).contains(SECRET),
                        "the secret leaked into " + f);
            }
        }
    }

    /**
     * Spark's wire and disk encryption on top of authentication, as deploy/submit.sh's
     * NORMDROP_ENCRYPT sets it for the client-mode runs: AES for RPC and block transfers (the
     * parameters every round), with no fallback to SASL, so a connection that did not negotiate
     * AES fails the run; and encrypted shuffle and spill files.
     */
    static final List<String> ENCRYPTION = List.of("--conf", "spark.network.crypto.enabled=true",
            "--conf", "spark.network.crypto.saslFallback=false", "--conf", "spark.io.encryption.enabled=true");

    /** deploy/submit.sh in client mode, the secret from a file, encrypted or not (NORMDROP_ENCRYPT). */
    static Submitted submitScript(Path log, boolean encrypt, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", "deploy/submit.sh"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("_SPARK_AUTH_SECRET");
        pb.environment().putAll(Map.of("SPARK_HOME", sparkHome.toString(), "SPARK_LOCAL_IP", "127.0.0.1",
                "NORMDROP_MASTER", master, "SPARK_AUTHENTICATE_SECRET_FILE", secretFile.toString(),
                "NORMDROP_ENCRYPT", String.valueOf(encrypt),
                "NORMDROP_SUBMIT_ARGS", "--conf spark.driver.host=127.0.0.1 --conf spark.executor.memory=1g "
                        + "--conf spark.cores.max=2 --conf spark.executor.cores=1"));
        return await(pb.start(), log);
    }

    static String digest(JsonNode metrics) {
        return metrics.at("/model/parameterDigest").asText();
    }

    @Test
    void clientAndClusterModeTrainOnExecutorJvmsAsWellAsLocalModeAndEncryptedToTheSameParameters(JavaSparkContext sc)
            throws Exception {
        List<String> local = new ArrayList<>(JOB);
        local.add("output.dir=\"" + work.resolve("local") + "\"");
        TrainJob.Outcome localRun = new TrainJob(JobFiles.load(Path.of("jobs/quickstart.conf"), local), false)
                .run(sc, new PrintWriter(new StringWriter(), true));
        double reference = localRun.testAccuracy();

        // Client mode, through deploy/submit.sh: the driver is the submit's JVM; the secret comes from a file.
        Path client = work.resolve("client");
        List<String> train = new ArrayList<>(List.of("jobs/quickstart.conf"));
        train.addAll(trainOptions(client, JOB));
        Submitted c = submitScript(work.resolve("client.log"), false, train);
        assertEquals(0, c.code(), c.output());
        assertTrue(c.output().contains("2 workers on " + master), c.output());
        JsonNode cm = metrics(client);
        assertRanOnExecutorJvms(cm);
        // The same job gives the same model wherever it runs: executors in their own JVMs, bit for bit.
        assertEquals(localRun.metrics().model().parameterDigest(), digest(cm), "client mode vs local mode");

        // The same in client mode, encrypted on the wire and on disk: the same parameters, bit for bit.
        Path encrypted = work.resolve("client-encrypted");
        List<String> trainEncrypted = new ArrayList<>(List.of("jobs/quickstart.conf"));
        trainEncrypted.addAll(trainOptions(encrypted, JOB));
        Submitted e = submitScript(work.resolve("client-encrypted.log"), true, trainEncrypted);
        assertEquals(0, e.code(), e.output());
        JsonNode em = metrics(encrypted);
        assertRanOnExecutorJvms(em);
        assertEquals(digest(cm), digest(em), "encryption changes no parameter");
        // The executors were started with AES and without the SASL fallback (Spark passes spark.network.* at launch).
        long encryptedLaunches = 0;
        for (int w = 1; w <= 2; w++) {
            encryptedLaunches += Files.readAllLines(work.resolve("worker" + w + ".log")).stream()
                    .filter(l -> l.contains("Launch command") && l.contains("CoarseGrainedExecutorBackend")
                            && l.contains("-Dspark.network.crypto.enabled=true")
                            && l.contains("-Dspark.network.crypto.saslFallback=false")).count();
        }
        assertEquals(2, encryptedLaunches, "two executors launched with AES and no SASL fallback");
        assertTrue(Files.exists(encrypted.resolve("model.zip")), "the encrypted run's model");

        // Cluster mode, encrypted: a worker starts the driver; the submitting client has the secret in its environment.
        Path cluster = work.resolve("cluster-encrypted");
        List<String> confs = new ArrayList<>(List.of("--conf", "spark.authenticate=true"));
        confs.addAll(ENCRYPTION);
        Submitted k = await(submit("cluster", cluster, work.resolve("cluster.log"), true, confs, JOB),
                work.resolve("cluster.log"));
        assertEquals(0, k.code(), k.output());
        assertTrue(k.output().matches("(?s).*State of driver driver-\\S+ is FINISHED.*"), k.output());
        assertTrue(Files.exists(cluster.resolve("_SUCCESS")), "cluster-mode run committed");
        JsonNode km = metrics(cluster);
        assertRanOnExecutorJvms(km);
        assertEquals(digest(cm), digest(km), "cluster mode, encrypted, vs client mode without encryption");

        // predict with the encrypted run's model, encrypted: the executors score its test set as the run evaluated it.
        Path predictions = work.resolve("predictions-encrypted");
        Submitted p = submitScript(work.resolve("predict-encrypted.log"), true,
                List.of("predict", encrypted.toString(), "--out", predictions.toString()));
        assertEquals(0, p.code(), p.output());
        JsonNode scored = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                predictions.resolve("_predictions.json").toFile());
        // The folded model may flip a prediction at a tie; the accuracy must agree to a row or two.
        assertEquals(em.at("/result/accuracy").asDouble(), scored.get("accuracy").asDouble(), 1e-3, scored.toString());
        System.out.printf("standalone cluster: local %.4f, client %.4f, client encrypted %.4f, cluster encrypted %.4f, "
                        + "predict encrypted %.4f, digest %s%n", reference, cm.at("/result/accuracy").asDouble(),
                em.at("/result/accuracy").asDouble(), km.at("/result/accuracy").asDouble(), scored.get("accuracy").asDouble(),
                digest(cm));

        assertNoSecret(work);
    }

    @Test
    void aSubmitWithoutTheSecretIsRefused() throws Exception {
        Path run = work.resolve("refused");
        Submitted r = await(submit("client", run, work.resolve("refused.log"), false, List.of(), List.of("training.epochs=1")),
                work.resolve("refused.log"));
        assertEquals(ExitCode.UNAVAILABLE.code(), r.code(), r.output());
        assertTrue(r.output().contains("normdrop: the Spark master " + master + " did not accept the application"), r.output());
        assertFalse(Files.exists(run));
    }

    /**
     * An executor JVM killed while the workers are inside an epoch's rounds (allreduce master:
     * one barrier stage per epoch, the workers exchanging blocks between the two executors with
     * spark.authenticate on): Spark fails the stage and runs it again on the surviving and the
     * replacement executor, which continue after the last average the workers completed (kept by
     * the surviving executor), and the run ends with exactly the parameters of the same job
     * uninterrupted (no dropout: nothing random after the restart).
     */
    @Test
    void anExecutorKilledInsideARoundCostsTheRoundNotTheEpoch() throws Exception {
        List<String> sets = new ArrayList<>(JOB);
        sets.set(0, "training.epochs=3");
        // About 60 rounds per epoch, so the epoch's stage runs for seconds: the kill lands inside it.
        sets.addAll(List.of("training.batchSizePerWorker=16", "data.batchSize=16", "training.averagingPeriod=5"));
        List<String> confs = List.of("--conf", "spark.authenticate=true", "--conf", "spark.authenticate.secret.file=" + secretFile);
        Path reference = work.resolve("uninterrupted");
        Submitted r = await(submit("client", reference, work.resolve("uninterrupted.log"), false, confs, sets),
                work.resolve("uninterrupted.log"));
        assertEquals(0, r.code(), r.output());

        Path run = work.resolve("killed-executor");
        Path log = work.resolve("killed-executor.log");
        Process p = submit("client", run, log, false, confs, sets);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.readString(log).contains("epoch 1/3")) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, "no first epoch: " + Files.readString(log));
            Thread.sleep(50);
        }
        // Epoch 2's stage starts once epoch 1's checkpoint is written; let it average a few rounds.
        Thread.sleep(2500);
        assertFalse(Files.readString(log).contains("epoch 2/3"), "epoch 2 still running");
        List<ProcessHandle> executors = daemons.stream().flatMap(Process::descendants)
                .filter(h -> h.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend")).toList();
        assertEquals(2, executors.size(), "two executor JVMs");
        long killedAt = System.currentTimeMillis();
        executors.get(0).destroyForcibly();

        Submitted s = await(p, log);
        ClusterRuns.killToRetrySeconds("standalone", killedAt, s.output());
        assertEquals(0, s.code(), s.output());
        JsonNode m = metrics(run);
        int kept = ClusterRuns.assertEpoch2Retried("standalone", m, s.output());
        assertTrue(kept > 0, "the retry kept the rounds averaged before the kill: " + s.output());
        assertTrue(m.at("/spark/totals/executorsAdded").asLong() >= 3, "a replacement executor: " + m.at("/spark/totals"));
        assertEquals(metrics(reference).at("/model/parameterDigest").asText(), m.at("/model/parameterDigest").asText(),
                "the parameters of the uninterrupted run");
    }
}
