package io.normdrop.job;

import io.normdrop.config.JobConfig;
import io.normdrop.config.LoadedJob;
import io.normdrop.data.LoadedData;
import io.normdrop.train.TrainingInputs;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code normdrop validate JOB}: checks a job without training. It prepares the job exactly as
 * {@code train} does (every key, every record of the data read on Spark with the bad-record
 * policy, the scaling fitted, the network built and, when asked for, data-initialized), so it
 * refuses whatever {@code train} would refuse before training, and prints what it found:
 * examples, features, classes, bad records, a network summary (with each layer's effective
 * dropout) and the resolved configuration.
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
        try (JavaSparkContext sc = new JavaSparkContext(SparkContexts.conf(loaded.config().spark(), master))) {
            validate(sc, loaded, spec.commandLine().getOut(), spec.commandLine().getErr());
        }
        return ExitCode.OK.code();
    }

    /** Prepares {@code loaded} on {@code sc} as training would, and describes it on {@code out}. */
    static void validate(JavaSparkContext sc, LoadedJob loaded, PrintWriter out, PrintWriter err) {
        // The master train would use here: what train refuses on this context, validate refuses.
        JobConfig c = TrainJob.forThisContext(loaded, sc, err);
        try (TrainingInputs inputs = TrainingInputs.prepare(sc, c, err)) {
            // Data-dependent initialization runs too: what it would refuse, validate refuses.
            inputs.initialNetwork(c.model().dataInit(), new PrintWriter(new StringWriter()));
            LoadedData train = inputs.train();
            out.printf("job %s is valid%n%n", loaded.source());
            out.printf("data (%s): %,d features, %d classes%n", c.data().format().jobName(), train.features(), train.classes());
            describe(out, "train", train, c.data().train().describe());
            describe(out, "test", inputs.test(), c.data().test().describe());
            out.printf("      training examples per class: %s%n%n", Arrays.stream(train.summary().labelCounts())
                    .mapToObj(n -> String.format(Locale.ROOT, "%,d", n)).collect(Collectors.joining(" ")));
            for (LoadedData d : List.of(train, inputs.test())) {
                d.problems().forEach(p -> err.println("normdrop: warning: " + d.key() + ": skipped: " + p));
            }
            out.println("network:");
            out.println(inputs.summary().render());
            out.println("resolved configuration:");
            out.println(loaded.renderHocon());
            out.flush();
            err.flush();
        }
    }

    private static void describe(PrintWriter out, String role, LoadedData d, String path) {
        out.printf(Locale.ROOT, "      %-5s %,d examples%s (%s)%n", role, d.count(),
                d.skipped() == 0 ? "" : String.format(Locale.ROOT, ", %,d bad records skipped", d.skipped()), path);
    }
}
