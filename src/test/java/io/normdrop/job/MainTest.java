package io.normdrop.job;

import io.normdrop.data.IdxWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line: validate (reading the data on local Spark), help, and the exit code of each failure. */
public class MainTest {
    @TempDir
    Path dir;

    public record Result(int code, String out, String err) {
    }

    /** Runs the command line in this JVM, as {@code normdrop} would, collecting its output. */
    public static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static void assertOneLine(Result r, int code, String fragment) {
        assertEquals(code, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertTrue(r.err().startsWith("normdrop: "), r.err());
        assertTrue(r.err().contains(fragment), r.err());
    }

    @Test
    void validatePrintsDataNetworkAndResolvedConfig() {
        Result r = run("validate", "jobs/quickstart.conf", "--master", "local[1]", "--set", "model.layers[0].units=100");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("job jobs/quickstart.conf is valid"), r.out());
        assertTrue(r.out().contains("data (idx): 784 features, 10 classes"), r.out());
        assertTrue(r.out().contains("train 10,000 examples"), r.out());
        assertTrue(r.out().contains("test  2,000 examples"), r.out());
        assertTrue(r.out().contains("training examples per class: 1,000 1,000 1,000"), r.out());
        assertTrue(r.out().contains("0   WeightNormDense       784     100 relu"), r.out());
        assertTrue(r.out().contains("1 (no dropout)"), r.out());
        assertTrue(r.out().contains("0.8"), r.out());
        assertTrue(r.out().contains("averagingPeriod=10"), r.out());
    }

    @Test
    void helpListsCommandsAndExitCodes() {
        Result r = run("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("train") && r.out().contains("validate"), r.out());
        assertTrue(r.out().contains("66  an input file is missing"), r.out());
        Result train = run("train", "--help");
        assertTrue(train.out().contains("--overwrite") && train.out().contains("--set"), train.out());
    }

    @Test
    void badJobFileIsAUsageError() {
        assertOneLine(run("validate", "jobs/quickstart.conf", "--set", "training.epochs=-1"), 64,
                "jobs/quickstart.conf (--set): training.epochs: invalid value -1 (must be >= 0)");
        assertOneLine(run("train", "jobs/quickstart.conf", "--set", "training.epohcs=3"), 64,
                "training.epohcs: unknown key (did you mean epochs?");
        assertOneLine(run("train", dir.resolve("missing.conf").toString()), 64, "no such file");
        assertEquals(64, run("train", "--no-such-option").code());
    }

    @Test
    void missingDataIsNoInput() {
        String missing = dir.resolve("none.gz").toString();
        assertOneLine(run("validate", "jobs/quickstart.conf", "--master", "local[1]", "--set", "data.train.images=\"" + missing + "\""), 66,
                missing + ": no such file");
    }

    @Test
    void badDataIsADataError() throws IOException {
        Path labels = dir.resolve("labels");
        IdxWriter.writeLabels(labels, new byte[]{1, 2});
        assertOneLine(run("validate", "jobs/quickstart.conf", "--master", "local[1]", "--set", "data.test.images=\"" + labels + "\""), 65,
                "wrong magic number 0x00000801 (an IDX label file)");
    }

    @Test
    void noMasterAnywhereIsAUsageErrorBeforeAnyWork() {
        Result r = run("train", "jobs/quickstart.conf", "--out", dir.resolve("run").toString());
        assertOneLine(r, 64, "spark.master: no Spark master given");
        assertTrue(Files.notExists(dir.resolve("run")));
    }

    @Test
    void generateWritesADatasetAndAJobThatValidates() throws IOException {
        Path out = dir.resolve("synthetic");
        Result r = run("generate", out.toString(), "--examples", "1000", "--test-examples", "200", "--features", "64",
                "--classes", "4", "--format", "idx");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("normdrop: wrote 1,000 + 200 examples of 64 features, 4 classes (idx) to "), r.out());
        for (String f : new String[]{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte", "job.conf"}) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
        try (var files = Files.list(out)) {
            assertEquals(5, files.count(), "no checksum or temporary files");
        }
        Result validate = run("validate", out.resolve("job.conf").toString(), "--master", "local[1]");
        assertEquals(0, validate.code(), validate.err());
        assertTrue(validate.out().contains("1,000"), validate.out());

        Result csv = run("generate", dir.resolve("csv").toString(), "--examples", "10", "--test-examples", "5",
                "--features", "3", "--format", "csv");
        assertEquals(0, csv.code(), csv.err());
        assertEquals(11, Files.readAllLines(dir.resolve("csv/train.csv")).size());
        assertEquals(6, Files.readAllLines(dir.resolve("csv/test.csv")).size());

        Result csvJob = run("validate", dir.resolve("csv/job.conf").toString(), "--master", "local[1]");
        assertEquals(0, csvJob.code(), csvJob.err());
        assertTrue(csvJob.out().contains("data (csv): 3 features, 10 classes"), csvJob.out());

        Result parquet = run("generate", dir.resolve("pq").toString(), "--examples", "300", "--test-examples", "50",
                "--features", "8", "--classes", "3", "--format", "parquet", "--master", "local[1]");
        assertEquals(0, parquet.code(), parquet.err());
        assertTrue(Files.exists(dir.resolve("pq/train.parquet/_SUCCESS")));
        Result parquetJob = run("validate", dir.resolve("pq/job.conf").toString(), "--master", "local[1]");
        assertEquals(0, parquetJob.code(), parquetJob.err());
        assertTrue(parquetJob.out().contains("data (parquet): 8 features, 3 classes"), parquetJob.out());
        assertTrue(parquetJob.out().contains("training examples per class: 100 100 100"), parquetJob.out());

        assertOneLine(run("generate", dir.resolve("bad").toString(), "--classes", "1"), 64, "classes in 2..256");
        assertEquals(64, run("generate", dir.resolve("bad").toString(), "--format", "xml").code());
    }

    @Test
    void validateReadsCsvAndListsEveryBadRecordOnItsOwnLine() throws IOException {
        Path train = dir.resolve("train.csv");
        Files.writeString(train, "label,a,b\n0,1,2\n1,x,3\n2,1\n1,3,4\n");
        Path job = dir.resolve("csv.conf");
        Files.writeString(job, """
                data { format = csv, csv { header = true, label = label }, train.path = "%s", test.path = "%s" }
                model.layers = [ { type = dense, units = 4 }, { type = output } ]
                output.dir = "%s"
                """.formatted(train, train, dir.resolve("run")));
        Result bad = run("validate", job.toString(), "--master", "local[1]");
        assertEquals(65, bad.code(), bad.err());
        List<String> lines = bad.err().strip().lines().toList();
        assertEquals(List.of("normdrop: data.train: 2 bad record(s) of 4 in " + train
                        + " (data.onBadRecord = fail; skip leaves them out)",
                "normdrop: file:" + train + ": line 3: column 1 (a): 'x' is not a number",
                "normdrop: file:" + train + ": line 4: wrong number of features: 1, the training data has 2 (2 fields with the label)"),
                lines);

        Result skipped = run("validate", job.toString(), "--master", "local[1]", "--set", "data.onBadRecord=skip",
                "--set", "data.maxBadFraction=0.5");
        assertEquals(0, skipped.code(), skipped.err());
        assertTrue(skipped.out().contains("data (csv): 2 features, 2 classes"), skipped.out());
        assertTrue(skipped.out().contains("train 2 examples, 2 bad records skipped"), skipped.out());
        assertTrue(skipped.err().contains("normdrop: warning: data.train: skipped: file:" + train + ": line 3"), skipped.err());
    }
}
