package io.normdrop.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.normdrop.config.JobFiles;
import io.normdrop.config.LoadedJob;
import io.normdrop.metrics.MetricsFiles;
import io.normdrop.score.TrainedModel;
import io.normdrop.store.RunFiles;
import io.normdrop.testing.LocalSpark;
import io.normdrop.testing.MiniHadoop;
import io.normdrop.testing.Processes;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Normdrop on a real HDFS (Hadoop's MiniDFSCluster on 127.0.0.1, started once for the class):
 * training data read from {@code hdfs://}, the run directory, its checkpoints, the publication and
 * {@code LATEST} written there; a driver killed after an epoch resumes over HDFS to the parameters
 * of an uninterrupted run; refusals name the {@code hdfs://} path.
 */
@ExtendWith(LocalSpark.class)
class HdfsIT {
    static MiniHadoop hadoop;
    static FileSystem fs;
    static Path local;

    @BeforeAll
    static void startHdfs() throws IOException {
        local = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "hdfs-it");
        hadoop = MiniHadoop.hdfs(local.resolve("cluster"));
        fs = hadoop.fileSystem();
        try (var sample = Files.list(Path.of("jobs/data/fashion-mnist-sample"))) {
            for (Path f : sample.filter(f -> f.toString().endsWith(".gz")).toList()) {
                hadoop.put(f, "/datasets/sample/" + f.getFileName());
            }
        }
    }

    @AfterAll
    static void stopHdfs() {
        if (hadoop != null) {
            hadoop.close();
        }
    }

    /** The sample's four files in /datasets/sample on {@code hadoop}'s HDFS, as job settings. */
    static List<String> dataOnHdfs(MiniHadoop hadoop) {
        List<String> sets = new ArrayList<>();
        for (String role : List.of("train", "t10k")) {
            String key = role.equals("train") ? "train" : "test";
            sets.add("data." + key + ".images=\"" + hadoop.uri("/datasets/sample/" + role + "-images-idx3-ubyte.gz") + "\"");
            sets.add("data." + key + ".labels=\"" + hadoop.uri("/datasets/sample/" + role + "-labels-idx1-ubyte.gz") + "\"");
        }
        return sets;
    }

    static LoadedJob job(String... extra) {
        List<String> sets = new ArrayList<>(dataOnHdfs(hadoop));
        sets.addAll(ResumeIT.DETERMINISTIC);
        sets.addAll(List.of(extra));
        return JobFiles.load(Path.of("jobs/quickstart.conf"), sets);
    }

    static String read(String path) throws IOException {
        try (FSDataInputStream in = fs.open(new org.apache.hadoop.fs.Path(path))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static boolean exists(String path) throws IOException {
        return fs.exists(new org.apache.hadoop.fs.Path(path));
    }

    static List<String> names(String dir) throws IOException {
        return Arrays.stream(fs.listStatus(new org.apache.hadoop.fs.Path(dir))).map(s -> s.getPath().getName()).sorted().toList();
    }

    @Test
    void runsCommitAndPublishOnHdfs(JavaSparkContext sc) throws Exception {
        String jobDir = hadoop.uri("/models/quickstart");
        StringWriter console = new StringWriter();
        PrintWriter out = new PrintWriter(console, true);
        TrainJob.Outcome first = new TrainJob(job("training.epochs=1", "output.dir=\"" + jobDir + "\"",
                "output.runId=night-1"), false).run(sc, out);
        assertEquals(jobDir + "/night-1", first.directory());
        for (String file : List.of("_SUCCESS", "model.zip", "model-inference.zip", RunFiles.PROVENANCE, MetricsFiles.JSON_FILE)) {
            assertTrue(exists(jobDir + "/night-1/" + file), file + " in " + names(jobDir + "/night-1"));
        }
        assertEquals("night-1", read(jobDir + "/LATEST").strip());
        assertTrue(console.toString().contains("normdrop: published run night-1 as " + jobDir + "/published"), console.toString());
        // The data came from HDFS, and the provenance says so with each file's digest.
        JsonNode provenance = new ObjectMapper().readTree(read(jobDir + "/night-1/" + RunFiles.PROVENANCE));
        JsonNode train = provenance.at("/data/train/0");
        assertEquals(hadoop.uri("/datasets/sample/train-images-idx3-ubyte.gz"), train.get("path").asText(), provenance.toString());
        assertEquals(64, train.get("sha256").asText().length(), train.toString());

        new TrainJob(job("training.epochs=1", "output.dir=\"" + jobDir + "\"", "output.runId=night-2",
                "training.seed=7"), false).run(sc, out);
        assertEquals("night-2", read(jobDir + "/LATEST").strip());
        assertEquals(read(jobDir + "/night-2/" + MetricsFiles.JSON_FILE), read(jobDir + "/published/" + MetricsFiles.JSON_FILE),
                "published/ is the newest run, whole");
        assertEquals(List.of("LATEST", "night-1", "night-2", "published"), names(jobDir), "no lock, no working directory left");
        assertEquals(jobDir + "/night-2/model-inference.zip", TrainedModel.load(jobDir, false, sc.hadoopConfiguration()).file(),
                "a consumer given the job directory loads the run LATEST names");
    }

    @Test
    void aKilledDriverResumesOverHdfsToTheParametersOfAnUninterruptedRun(JavaSparkContext sc) throws Exception {
        TrainJob.Outcome reference = new TrainJob(job("output.dir=\"" + hadoop.uri("/models/reference") + "\""), false)
                .run(sc, new PrintWriter(new StringWriter(), true));

        String run = hadoop.uri("/models/nightly");
        List<String> launcher = new ArrayList<>(List.of("bash", "deploy/local.sh", "jobs/quickstart.conf", "--out", run,
                "--master", "local[2]"));
        for (String s : dataOnHdfs(hadoop)) {
            launcher.addAll(List.of("--set", s));
        }
        for (String s : ResumeIT.DETERMINISTIC) {
            launcher.addAll(List.of("--set", s));
        }
        Path log = local.resolve("killed.log");
        ProcessBuilder pb = new ProcessBuilder(launcher).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("NORMDROP_DRIVER_MEMORY", "2g");
        Process driver = pb.start();
        String work = hadoop.uri("/models/.nightly.inprogress");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!exists(work + "/checkpoint-2/state.json")) {
            assertTrue(driver.isAlive(), "the run ended before its checkpoint: " + Files.readString(log));
            assertTrue(System.nanoTime() < deadline, "no checkpoint of epoch 2 on HDFS in 3 minutes");
            Thread.sleep(20);
        }
        driver.destroyForcibly().waitFor();
        assertEquals(137, driver.exitValue(), "killed with SIGKILL");
        assertFalse(exists(run), "a killed run leaves no run directory");
        assertTrue(exists(hadoop.uri("/models/.nightly.lock")), "the dead driver's lock is left behind on HDFS");
        int kept = names(work).stream().filter(n -> n.startsWith("checkpoint-")).mapToInt(n -> Integer.parseInt(
                n.substring("checkpoint-".length()))).max().orElse(0);
        assertTrue(kept >= 2 && kept < 4, "checkpoint kept: epoch " + kept);

        List<String> resume = new ArrayList<>(launcher);
        resume.add("--resume");
        Processes.Result resumed = Processes.run(resume);
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("normdrop: resuming after epoch " + kept + " from " + work), resumed.out());
        JsonNode metrics = MetricsFiles.read(fs.open(new org.apache.hadoop.fs.Path(run + "/" + MetricsFiles.JSON_FILE)), run);
        assertEquals(reference.metrics().model().parameterDigest(), metrics.at("/model/parameterDigest").asText(),
                "resumed over HDFS, the parameters are bit-identical to the uninterrupted run's");
        assertEquals(4, metrics.get("epochs").size(), "metrics cover the epochs before and after the kill");
        assertFalse(exists(work), "the working directory was committed");
        assertFalse(exists(hadoop.uri("/models/.nightly.lock")), "the lock was released");
    }

    @Test
    void validateAndBadRecordsNameTheHdfsPath(JavaSparkContext sc) throws Exception {
        String bad = hadoop.uri("/datasets/csv/bad.csv");
        try (FSDataOutputStream f = fs.create(new org.apache.hadoop.fs.Path(bad))) {
            f.write("label,a,b\n0,1,2\n1,x,4\n".getBytes(StandardCharsets.UTF_8));
        }
        String good = hadoop.uri("/datasets/csv/good.csv");
        try (FSDataOutputStream f = fs.create(new org.apache.hadoop.fs.Path(good))) {
            f.write("label,a,b\n0,1,2\n1,3,4\n".getBytes(StandardCharsets.UTF_8));
        }
        Path conf = local.resolve("csv.conf");
        Files.writeString(conf, RefusalsIT.csvJob(bad, good, hadoop.uri("/models/csv")));
        LoadedJob job = JobFiles.load(conf, List.of());
        Exception validate = assertThrows(Exception.class, () -> ValidateCommand.validate(sc, job,
                new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())));
        assertEquals(65, Main.exitCode(validate).code(), Main.errorLines(validate).toString());
        assertEquals(List.of("normdrop: data.train: 1 bad record(s) of 2 in " + bad
                        + " (data.onBadRecord = fail; skip leaves them out)",
                "normdrop: " + bad + ": line 3: column 1 (a): 'x' is not a number"), Main.errorLines(validate));
        Exception train = assertThrows(Exception.class, () -> new TrainJob(job, false).run(sc,
                new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())));
        assertEquals(Main.errorLines(validate), Main.errorLines(train));
        assertFalse(exists(hadoop.uri("/models/csv")), "nothing written");

        String missing = hadoop.uri("/datasets/csv/missing.csv");
        Exception none = assertThrows(Exception.class, () -> ValidateCommand.validate(sc,
                JobFiles.load(conf, List.of("data.train.path=\"" + missing + "\"")),
                new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())));
        assertEquals(66, Main.exitCode(none).code(), Main.errorLines(none).toString());
        assertTrue(Main.errorLines(none).get(0).contains(missing), Main.errorLines(none).toString());
    }
}
