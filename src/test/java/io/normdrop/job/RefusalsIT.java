package io.normdrop.job;

import io.normdrop.config.JobFiles;
import io.normdrop.config.LoadedJob;
import io.normdrop.testing.LocalSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
 * Every refusal {@code train} can make before it trains, made by {@code validate} too, with the
 * same exit code and the same lines: both prepare the job through the same step. Each case is a
 * valid csv job made bad in one way; {@code train} must refuse it before any epoch (nothing is
 * left in the output directory).
 */
@ExtendWith(LocalSpark.class)
class RefusalsIT {
    @TempDir
    static Path dir;

    @BeforeAll
    static void data() throws IOException {
        Files.writeString(dir.resolve("train.csv"), "label,a,b\n0,1,2\n1,3,4\n0,1,3\n1,4,4\n2,2,2\n");
        Files.writeString(dir.resolve("test.csv"), "label,a,b\n0,1,2\n1,3,4\n");
        Files.writeString(dir.resolve("bad.csv"), "label,a,b\n0,1,2\n1,x,4\n");
        Files.writeString(dir.resolve("wide.csv"), "label,a,b,c\n0,1,2,3\n");
        Files.writeString(dir.resolve("one-class.csv"), "label,a,b\n0,1,2\n0,3,4\n");
        Files.writeString(dir.resolve("empty.csv"), "label,a,b\n");
        Files.writeString(dir.resolve("labels.idx"), "not an IDX file");
    }

    /** A small csv job file: a label column and two features, one worker, one epoch. */
    static String csvJob(Object train, Object test, Object out) {
        return """
                data {
                  format = csv
                  csv { header = true, label = label }
                  train.path = "%s"
                  test.path = "%s"
                }
                model.layers = [ { type = weightnorm-dense, units = 4 }, { type = output } ]
                training { epochs = 1, workers = 1 }
                output.dir = "%s"
                """.formatted(train, test, out);
    }

    static LoadedJob job(String... sets) throws IOException {
        Path file = dir.resolve("job.conf");
        Files.writeString(file, csvJob(dir.resolve("train.csv"), dir.resolve("test.csv"), dir.resolve("run")));
        return JobFiles.load(file, List.of(sets));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            missing training file | 66 | no such file | data.train.path="/nonexistent/train.csv"
            a bad record | 65 | 'x' is not a number | data.train.path="BAD"
            a bad record of a streamed set | 65 | 'x' is not a number | data.train.path="BAD";data.cacheLimitMiB=0
            too many bad records skipped of a streamed set | 65 | is more than data.maxBadFraction | data.train.path="BAD";data.onBadRecord=skip;data.cacheLimitMiB=0
            a test set wider than a streamed training set | 65 | wrong number of features | data.test.path="WIDE";data.cacheLimitMiB=0
            too many bad records skipped | 65 | is more than data.maxBadFraction | data.train.path="BAD";data.onBadRecord=skip
            test set wider than training | 65 | wrong number of features | data.test.path="WIDE"
            a single class | 65 | a classifier needs at least 2 classes | data.train.path="ONE"
            an empty set | 65 | empty data set | data.test.path="EMPTY"
            a label column not in the header | 65 | no column 'kind' | data.csv.label=kind
            labels beyond the output layer | 65 | out of range | model.layers[1].units=2
            class names not matching the data | 64 | data.classNames: 2 names, but the training data has 3 classes | data.classNames=[a,b]
            features not matching the data | 65 | wrong number of features | data.features=3
            not an IDX file | 65 | wrong magic number | data.format=idx;data.train.images="IDX";data.train.labels="IDX";data.test.images="IDX";data.test.labels="IDX"
            an output layer DL4J refuses | 64 | model.layers[1] | model.layers[1].activation=relu;model.layers[1].loss=xent
            more allreduce workers than local task slots | 64 | training.workers: is 3, but the allreduce master runs every worker at once and local[2] has only 2 task slots | training.workers=3
            """)
    void validateRefusesWhatTrainRefusesBeforeTraining(String refusal, int code, String fragment, String overrides,
                                                       JavaSparkContext sc) throws IOException {
        String[] sets = java.util.Arrays.stream(overrides.split(";"))
                .map(s -> s.replace("BAD", dir.resolve("bad.csv").toString())
                        .replace("WIDE", dir.resolve("wide.csv").toString())
                        .replace("ONE", dir.resolve("one-class.csv").toString())
                        .replace("EMPTY", dir.resolve("empty.csv").toString())
                        .replace("IDX", dir.resolve("labels.idx").toString()))
                .toArray(String[]::new);
        LoadedJob job = job(sets);
        StringWriter trainErr = new StringWriter();
        Exception train = assertThrows(Exception.class, () -> new TrainJob(job, false)
                .run(sc, new PrintWriter(new StringWriter()), new PrintWriter(trainErr)), refusal);
        Exception validate = assertThrows(Exception.class, () -> ValidateCommand.validate(sc, job,
                new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())), refusal);

        List<String> lines = Main.errorLines(train);
        assertEquals(code, Main.exitCode(train).code(), refusal + ": " + lines);
        assertEquals(Main.exitCode(train), Main.exitCode(validate), refusal);
        assertEquals(lines, Main.errorLines(validate), refusal);
        assertTrue(String.join("\n", lines).contains(fragment), refusal + ": " + lines);
        assertFalse(Files.exists(dir.resolve("run")), "train refused before writing a run: " + refusal);
        try (var left = Files.list(dir)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".run.")),
                    "no lock or working directory left: " + refusal);
        }
    }
}
