package io.normdrop.job;

import io.normdrop.config.DeploymentPolicy;
import io.normdrop.config.JobFiles;
import io.normdrop.config.LoadedJob;
import io.normdrop.config.SparkSettings;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code normdrop predict MODEL [JOB] --out DIR}: scores a data set with a trained model on Spark. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Score a data set with a trained model on Spark and write the predictions as Parquet.",
                "The data is read as the job's data section says (format, csv/parquet layout, key columns,",
                "onBadRecord): the model's own training job, or JOB. Without --data the job's data.test is scored.",
                "Output: one row per record (file, row, key columns, label when present, prediction,",
                "predictedClass when the classes have names, probability per class), _predictions.json",
                "(rows, bad rows, rows/s; accuracy, macro F1 and confusion when labeled) and _SUCCESS, all at once."})
final class PredictCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL",
            description = "A run directory, OUTPUT_DIR/published, or a model file (any Hadoop path).")
    String model;

    @Parameters(index = "1", arity = "0..1", paramLabel = "JOB",
            description = "A job file whose data section describes the data (default: the model's training job).")
    Path jobFile;

    @Option(names = "--data", paramLabel = "PATH",
            description = "Files to score instead of the job's data.test: a file, directory or glob (IDX: the image file).")
    String data;

    @Option(names = "--labels", paramLabel = "PATH", description = "IDX only: the label file of --data.")
    String labels;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory; any Hadoop path.")
    String out;

    @Option(names = "--overwrite", description = "Replace the output directory if it exists.")
    boolean overwrite;

    @Option(names = "--unfolded", description = "Score with model.zip even when the run has the folded model-inference.zip.")
    boolean unfolded;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "1024",
            description = "Rows per forward pass on an executor (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a key of the data job, e.g. --set data.format=parquet. Repeatable.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: spark-submit's, else the launcher's).")
    String master;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (batchSize < 1) {
            throw new io.normdrop.config.ConfigException("--batch-size", "must be >= 1, not " + batchSize);
        }
        // Without a job file the model's job is loaded later, on the driver, from the model file.
        LoadedJob job = jobFile == null ? null : JobFiles.load(jobFile, overrides);
        DeploymentPolicy policy = DeploymentPolicy.current();
        if (job != null) {
            policy.check(job);
        }
        policy.requireReadable("MODEL", model);
        if (data != null) {
            policy.requireData("--data", data);
        }
        if (labels != null) {
            policy.requireData("--labels", labels);
        }
        policy.requireOutput("--out", out);
        SparkSettings spark = job == null ? new SparkSettings(null, "normdrop-predict", Map.of()) : job.config().spark();
        try (JavaSparkContext sc = new JavaSparkContext(SparkContexts.conf(spark, master))) {
            PredictJob predict = new PredictJob(job, new PredictJob.Options(model, data, labels, out, overwrite, unfolded,
                    batchSize), overrides);
            try {
                predict.run(sc, spec.commandLine().getOut());
            } catch (RuntimeException e) {
                throw sc.sc().isStopped() ? new SparkUnavailableException(sc.master(), e) : e;
            }
        }
        return ExitCode.OK.code();
    }
}
