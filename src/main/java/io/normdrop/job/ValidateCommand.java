package io.normdrop.job;

import io.normdrop.config.JobConfig;
import io.normdrop.config.LoadedJob;
import io.normdrop.data.IdxReader;
import io.normdrop.nn.NetworkFactory;
import io.normdrop.nn.NetworkSummary;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code normdrop validate JOB}: checks a job without training. Validates every key, opens the
 * data files and checks their headers, builds the network, and prints the data shape, a
 * network summary (with each layer's effective dropout) and the resolved configuration.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Check a job file without training: every key, the data files' headers, the network.",
                "Prints the data shapes, a network summary and the resolved configuration."},
        footer = {"", "Every job key, its default and meaning: conf/job-defaults.conf (in the jar: job-defaults.conf)."})
final class ValidateCommand implements Callable<Integer> {
    @Mixin
    JobOptions job;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        LoadedJob loaded = job.load(List.of());
        JobConfig c = loaded.config();
        IdxReader reader = new IdxReader(new Configuration());
        IdxReader.Shape train = reader.headers(c.data().train());
        IdxReader.Shape test = reader.headers(c.data().test());
        IdxReader.requireSameImageSize(c.data().test(), test, train);
        MultiLayerConfiguration conf = NetworkFactory.configuration(c.model(), c.training(), train.features());
        PrintWriter out = spec.commandLine().getOut();
        out.printf("job %s is valid%n%n", loaded.source());
        out.printf("data: train %,d examples of %dx%d (%s)%n", train.count(), train.rows(), train.cols(), c.data().train().images());
        out.printf("      test  %,d examples of %dx%d (%s)%n%n", test.count(), test.rows(), test.cols(), c.data().test().images());
        out.println("network:");
        out.println(NetworkSummary.of(conf).render());
        out.println("resolved configuration:");
        out.println(loaded.renderHocon());
        out.flush();
        return ExitCode.OK.code();
    }
}
