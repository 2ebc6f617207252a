package io.normdrop.job;

import com.typesafe.config.ConfigUtil;
import io.normdrop.config.LoadedJob;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code normdrop train JOB}: trains the job's network on Spark and writes the run directory. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train the job's network on Spark and write the model, its provenance and metrics.",
                "The run directory appears only when the run succeeds (with a _SUCCESS marker);",
                "every epoch is checkpointed, so an interrupted run continues with --resume."},
        footer = {"", "Every job key, its default and meaning: normdrop keys (conf/job-defaults.conf)."})
final class TrainCommand implements Callable<Integer> {
    @Mixin
    JobOptions job;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (overrides output.dir); any Hadoop path.")
    String out;

    @Option(names = "--overwrite", description = "Replace the run directory if it exists.")
    boolean overwrite;

    @Option(names = "--run-id", paramLabel = "ID",
            description = "Run id (overrides output.runId): the run goes to OUTPUT_DIR/ID; 'auto' makes one from the time.")
    String runId;

    @Option(names = "--resume", description = {"Continue an interrupted run of this job from its last epoch checkpoint",
            "(kept in the hidden .NAME.inprogress next to the run directory)."})
    boolean resume;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master, e.g. local[2] or spark://host:7077 (default: spark-submit's, else the job's spark.master, else the launcher's).")
    String master;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<String> extra = new ArrayList<>();
        if (out != null) {
            extra.add("output.dir=" + ConfigUtil.quoteString(out));
        }
        if (runId != null) {
            extra.add("output.runId=" + ConfigUtil.quoteString(runId));
        }
        LoadedJob loaded = job.load(extra);
        try (JavaSparkContext sc = new JavaSparkContext(SparkContexts.conf(loaded.config().spark(), master))) {
            TrainJob train = new TrainJob(loaded, overwrite);
            try {
                (resume ? train.resuming() : train).run(sc, spec.commandLine().getOut(), spec.commandLine().getErr());
            } catch (RuntimeException e) {
                throw sc.sc().isStopped() ? new SparkUnavailableException(sc.master(), e) : e;
            }
        }
        return ExitCode.OK.code();
    }
}
