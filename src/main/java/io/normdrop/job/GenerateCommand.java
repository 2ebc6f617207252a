package io.normdrop.job;

import io.normdrop.config.SparkSettings;
import io.normdrop.data.SyntheticData;
import io.normdrop.store.HadoopFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code normdrop generate DIR}: a synthetic, learnable dataset for scale tests. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Write a synthetic, learnable classification dataset (a training and a test set) for scale tests.",
                "It also writes DIR/job.conf, a job that trains on it. Parquet is written by Spark tasks in parallel",
                "(master as for train: --master, else spark-submit's, else the launcher's local[*])."})
final class GenerateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "Output directory (any Hadoop path).")
    String dir;

    @Option(names = "--examples", paramLabel = "N", description = "Training examples (default: ${DEFAULT-VALUE}).")
    long examples = 60_000;

    @Option(names = "--test-examples", paramLabel = "N", description = "Test examples (default: ${DEFAULT-VALUE}).")
    long testExamples = 10_000;

    @Option(names = "--features", paramLabel = "F", description = "Features per example (default: ${DEFAULT-VALUE}).")
    int features = 784;

    @Option(names = "--classes", paramLabel = "C", description = "Classes, 2..256 (default: ${DEFAULT-VALUE}).")
    int classes = 10;

    @Option(names = "--format", paramLabel = "FORMAT", description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    SyntheticData.Format format = SyntheticData.Format.IDX;

    @Option(names = "--separation", paramLabel = "S",
            description = "Spread of the class centres per feature, relative to the noise (default: ${DEFAULT-VALUE}); smaller is harder.")
    double separation = 0.1;

    @Option(names = "--seed", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed = 42;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master that writes parquet (default: as for train).")
    String master;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SyntheticData.Format f = format;
        SyntheticData train;
        SyntheticData test;
        try {
            train = new SyntheticData(examples, features, classes, separation, seed);
            test = new SyntheticData(testExamples, features, classes, separation, seed);
        } catch (IllegalArgumentException e) {
            throw new io.normdrop.config.ConfigException("generate", e.getMessage());
        }
        Configuration hadoop = new Configuration();
        long t0 = System.nanoTime();
        String[] trainFiles;
        String[] testFiles;
        if (f == SyntheticData.Format.PARQUET) {
            SparkSettings settings = new SparkSettings(null, "normdrop-generate", java.util.Map.of());
            try (JavaSparkContext sc = new JavaSparkContext(SparkContexts.conf(settings, master))) {
                int partitions = (int) Math.max(sc.defaultParallelism(), examples / 50_000);
                trainFiles = new String[]{train.writeParquet(sc, dir, "train", 0, partitions)};
                testFiles = new String[]{test.writeParquet(sc, dir, "test", 1, sc.defaultParallelism())};
            }
        } else {
            trainFiles = train.write(dir, "train", f, 0, hadoop);
            testFiles = test.write(dir, f == SyntheticData.Format.IDX ? "t10k" : "test", f, 1, hadoop);
        }
        writeJob(hadoop, trainFiles, testFiles);
        spec.commandLine().getOut().printf(Locale.ROOT, "normdrop: wrote %,d + %,d examples of %d features, %d classes (%s) to %s in %.1f s%n",
                examples, testExamples, features, classes, f.name().toLowerCase(Locale.ROOT), dir, (System.nanoTime() - t0) / 1e9);
        return ExitCode.OK.code();
    }

    private void writeJob(Configuration hadoop, String[] train, String[] test) throws java.io.IOException {
        String data = switch (format) {
            case IDX -> String.format(Locale.ROOT, """
                      train { images = "%s", labels = "%s" }
                      test { images = "%s", labels = "%s" }
                    """, train[0], train[1], test[0], test[1]);
            case CSV -> String.format(Locale.ROOT, """
                      format = csv
                      csv { header = true, label = label }
                      train.path = "%s"
                      test.path = "%s"
                      normalization = standardize
                    """, train[0], test[0]);
            case PARQUET -> String.format(Locale.ROOT, """
                      format = parquet
                      train.path = "%s"
                      test.path = "%s"
                      normalization = standardize
                    """, train[0], test[0]);
        };
        String job = String.format(Locale.ROOT, """
                # Written by normdrop generate: %,d training and %,d test examples of %d features, %d classes,
                # separation %s, seed %d. Train with: deploy/local.sh %s/job.conf
                data {
                %s}
                model.layers = [
                  { type = weightnorm-dense, units = 256 }
                  { type = weightnorm-dense, units = 128 }
                  { type = output }
                ]
                training.epochs = 3
                output.dir = "%s/run"
                """, examples, testExamples, features, classes, separation, seed, dir, data, dir);
        HadoopFiles.writeAtomically(new Path(dir, "job.conf").toString(), job, hadoop);
    }
}
