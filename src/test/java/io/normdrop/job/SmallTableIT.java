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
import java.util.Locale;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Defaults that learn, tried as a new user would: a 600-row table of 4 numeric features on
 * scales from 1 to 1,000 and 3 well-separated classes named by strings, and a job file that names
 * only the data and two layers. With the defaults (standardized features, epochs decided by early
 * stopping on a held-out tenth) it reaches at least 0.95 test accuracy; the control, the old
 * defaults (no scaling, 10 epochs), does not.
 */
@ExtendWith(LocalSpark.class)
class SmallTableIT {
    static final String[] CLASSES = {"alpha", "beta", "gamma"};
    static final double[] SCALE = {1, 10, 100, 1000};

    @TempDir
    static Path dir;

    static String table(int rows, long seed) {
        Random random = new Random(seed);
        StringBuilder s = new StringBuilder("kind,a,b,c,d\n");
        for (int i = 0; i < rows; i++) {
            int c = i % 3;
            s.append(CLASSES[c]);
            for (int j = 0; j < 4; j++) {
                double center = SCALE[j] * (10 + 3 * c * (j % 2 == 0 ? 1 : -1));
                s.append(',').append(String.format(Locale.ROOT, "%.4f", center + SCALE[j] * random.nextGaussian()));
            }
            s.append('\n');
        }
        return s.toString();
    }

    @BeforeAll
    static void write() throws IOException {
        Files.writeString(dir.resolve("train.csv"), table(600, 1));
        Files.writeString(dir.resolve("test.csv"), table(300, 2));
        Files.writeString(dir.resolve("job.conf"), """
                data {
                  format = csv
                  csv { header = true, label = kind }
                  train.path = "%s"
                  test.path = "%s"
                }
                model.layers = [ { type = weightnorm-dense, units = 16 }, { type = output } ]
                """.formatted(dir.resolve("train.csv"), dir.resolve("test.csv")));
    }

    static TrainJob.Outcome train(JavaSparkContext sc, String out, String... sets) throws IOException {
        List<String> all = new java.util.ArrayList<>(List.of(sets));
        all.add("output.dir=\"" + dir.resolve(out) + "\"");
        LoadedJob job = JobFiles.load(dir.resolve("job.conf"), all);
        return new TrainJob(job, false).run(sc, new PrintWriter(new StringWriter()));
    }

    @Test
    void theDefaultsLearnASmallTable(JavaSparkContext sc) throws IOException {
        TrainJob.Outcome outcome = train(sc, "defaults");
        System.out.printf(Locale.ROOT, "small table, defaults: %.4f after %d epochs (kept %d)%n", outcome.testAccuracy(),
                outcome.epochs().size(), outcome.metrics().stopping().keptEpoch());
        assertTrue(outcome.testAccuracy() >= 0.95, "test accuracy " + outcome.testAccuracy());
        assertEquals("standardize", outcome.metrics().data().normalization());
        assertEquals(540, outcome.metrics().data().trainExamples(), "a tenth held out for validation");

        TrainJob.Outcome old = train(sc, "old-defaults", "data.normalization=none", "training.epochs=10");
        System.out.printf(Locale.ROOT, "small table, old defaults: %.4f%n", old.testAccuracy());
        assertTrue(old.testAccuracy() < 0.95, "the control: the old defaults do not reach 0.95, " + old.testAccuracy());
    }
}
