package io.normdrop.job;

import io.normdrop.config.JobConfig;
import io.normdrop.config.LoadedJob;
import io.normdrop.config.ModelConfig;
import io.normdrop.data.DataLoader;
import io.normdrop.data.LoadedData;
import io.normdrop.nn.NetworkFactory;
import io.normdrop.nn.NetworkSummary;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code normdrop validate JOB}: checks a job without training. Validates every key, reads the
 * training and test data on Spark exactly as training would (every record checked, the bad-record
 * policy applied), builds the network, and prints what it found: examples, features, classes, bad
 * records, a network summary (with each layer's effective dropout) and the resolved configuration.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Check a job file without training: every key, every record of the data, the network.",
                "Prints the examples, features and classes found, the network and the resolved configuration."},
        footer = {"", "Every job key, its default and meaning: normdrop keys (conf/job-defaults.conf)."})
final class ValidateCommand implements Callable<Integer> {
    @Mixin
    JobOptions job;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master that reads the data (default: as for train).")
    String master;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        LoadedJob loaded = job.load(List.of());
        JobConfig c = loaded.config();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (JavaSparkContext sc = new JavaSparkContext(SparkContexts.conf(c.spark(), master))) {
            DataLoader loader = new DataLoader(sc, c.data());
            LoadedData train = loader.train(c.knownClasses());
            LoadedData test = loader.test(train);
            ModelConfig model = c.model().forDataClasses(train.classes());
            MultiLayerConfiguration conf = NetworkFactory.configuration(model, c.training(), train.features());
            out.printf("job %s is valid%n%n", loaded.source());
            out.printf("data (%s): %,d features, %d classes%n", c.data().format().jobName(), train.features(), train.classes());
            describe(out, "train", train, c.data().train().describe());
            describe(out, "test", test, c.data().test().describe());
            out.printf("      training examples per class: %s%n%n", Arrays.stream(train.summary().labelCounts())
                    .mapToObj(n -> String.format(Locale.ROOT, "%,d", n)).collect(Collectors.joining(" ")));
            for (LoadedData d : List.of(train, test)) {
                d.problems().forEach(p -> err.println("normdrop: warning: " + d.key() + ": skipped: " + p));
            }
            out.println("network:");
            out.println(NetworkSummary.of(conf).render());
            out.println("resolved configuration:");
            out.println(loaded.renderHocon());
            out.flush();
            err.flush();
        }
        return ExitCode.OK.code();
    }

    private static void describe(PrintWriter out, String role, LoadedData d, String path) {
        out.printf(Locale.ROOT, "      %-5s %,d examples%s (%s)%n", role, d.count(),
                d.skipped() == 0 ? "" : String.format(Locale.ROOT, ", %,d bad records skipped", d.skipped()), path);
    }
}
