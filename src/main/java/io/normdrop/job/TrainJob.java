package io.normdrop.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.normdrop.config.JobConfig;
import io.normdrop.config.LoadedJob;
import io.normdrop.data.IdxReader;
import io.normdrop.data.LabeledImages;
import io.normdrop.data.Minibatches;
import io.normdrop.metrics.EpochMetrics;
import io.normdrop.metrics.JsonLinesSink;
import io.normdrop.metrics.MetricsSink;
import io.normdrop.metrics.ProgressLine;
import io.normdrop.nn.DataDependentInit;
import io.normdrop.nn.NetworkFactory;
import io.normdrop.nn.NetworkSummary;
import io.normdrop.nn.WeightNormFolding;
import io.normdrop.train.SparkTrainer;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;

/**
 * One training run, start to finish: claim the output directory, read and check the data on the
 * driver, train on Spark, and commit the model with its provenance and metrics atomically.
 */
public final class TrainJob {
    /** Files of a run directory. */
    public static final String MODEL = "model.zip";
    /**
     * The model folded for inference (weight-norm layers replaced by the plain layers they
     * compute; no updater state); written only when the network has weight-norm layers.
     */
    public static final String INFERENCE_MODEL = "model-inference.zip";
    public static final String PROVENANCE = "provenance.json";
    public static final String METRICS = "metrics.jsonl";
    public static final String RESOLVED_JOB = "job.conf";
    /** Name of the provenance entry inside {@value #MODEL}. */
    public static final String MODEL_PROVENANCE_ENTRY = "normdrop-provenance.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final LoadedJob job;
    private final boolean overwrite;

    /**
     * @param job       the validated job
     * @param overwrite replace an existing output directory
     */
    public TrainJob(LoadedJob job, boolean overwrite) {
        this.job = job;
        this.overwrite = overwrite;
    }

    /**
     * What a finished run produced.
     *
     * @param directory    the committed run directory
     * @param testAccuracy test accuracy after the last epoch
     * @param epochs       per-epoch metrics
     * @param network      the trained network, as saved in the model file
     */
    public record Outcome(String directory, double testAccuracy, List<EpochMetrics> epochs, MultiLayerNetwork network) {
    }

    /**
     * Runs the job on {@code sc}, printing progress to {@code out}.
     *
     * @return where the run went and how it did
     */
    public Outcome run(JavaSparkContext sc, PrintWriter out) throws IOException {
        JobConfig c = job.config();
        try (RunOutput output = RunOutput.start(c.output().dir(), overwrite, sc.hadoopConfiguration())) {
            IdxReader reader = new IdxReader(sc.hadoopConfiguration());
            int classes = c.model().numClasses();
            LabeledImages train = reader.read(c.data().train(), classes);
            LabeledImages test = reader.read(c.data().test(), classes);
            IdxReader.requireSameImageSize(c.data().test(), test.shape(), train.shape());
            MultiLayerConfiguration conf = NetworkFactory.configuration(c.model(), c.training(), train.features());
            NetworkSummary summary = NetworkSummary.of(conf);

            SparkTrainer trainer = new SparkTrainer(sc, c.training());
            out.printf("normdrop: training %,d examples (%dx%d), testing on %,d, %d workers on %s%n",
                    train.count(), train.rows(), train.cols(), test.count(), trainer.workers(), sc.master());
            int batch = c.data().batchSize();
            JavaRDD<DataSet> trainRdd = Minibatches.rdd(sc, train, batch, classes, trainer.partitions(train.count(), batch));
            JavaRDD<DataSet> testRdd = Minibatches.rdd(sc, test, batch, classes, trainer.workers());
            MultiLayerNetwork network = new MultiLayerNetwork(conf);
            network.init();
            if (c.model().dataInit().enabled()) {
                int n = Math.min(c.model().dataInit().examples(), train.count());
                LabeledImages sample = train.head(n);
                int layers = DataDependentInit.apply(network, Minibatches.dataSets(sample, n, classes).get(0).getFeatures());
                out.printf("normdrop: data-dependent initialization of %d weight-norm layer(s) from %,d examples%n", layers, n);
            }
            SparkTrainer.Result result;
            try (MetricsSink sink = MetricsSink.all(new ProgressLine(out), new JsonLinesSink(output.create(METRICS)))) {
                result = trainer.fit(network, trainRdd, train.count(), batch, testRdd, sink);
            }

            Provenance provenance = new Provenance(Provenance.FORMAT, Instant.now().toString(), CodeVersion.current(),
                    job.source(), c.training().seed(), job.resolved().root().unwrapped(),
                    Provenance.Data.of(train.digests(), test.digests(), train.count(), test.count()),
                    new Provenance.Spark(sc.version(), sc.master(), trainer.workers()), summary, result.epochs());
            String provenanceJson = JSON.writeValueAsString(provenance);
            writeModel(output, MODEL, result.network(), true, provenanceJson);
            if (WeightNormFolding.hasWeightNorm(conf)) {
                writeModel(output, INFERENCE_MODEL, WeightNormFolding.fold(result.network()), false, provenanceJson);
            }
            write(output, PROVENANCE, provenanceJson);
            write(output, RESOLVED_JOB, "# Resolved job: " + job.source() + "\n" + job.renderHocon());
            output.commit();
            double accuracy = result.evaluation().accuracy();
            out.printf("normdrop: test accuracy %.4f; model and metrics in %s%n", accuracy, output.target());
            return new Outcome(output.target().toString(), accuracy, result.epochs(), result.network());
        }
    }

    private static void writeModel(RunOutput output, String name, MultiLayerNetwork network, boolean withUpdater,
                                   String provenanceJson) throws IOException {
        java.nio.file.Path local = Files.createTempFile("normdrop-model", ".zip");
        try {
            ModelSerializer.writeModel(network, local.toFile(), withUpdater);
            ModelSerializer.addObjectToFile(local.toFile(), MODEL_PROVENANCE_ENTRY, provenanceJson);
            output.fileSystem().copyFromLocalFile(false, true, new Path(local.toUri()), new Path(output.temp(), name));
        } finally {
            Files.deleteIfExists(local);
        }
    }

    private static void write(RunOutput output, String name, String text) throws IOException {
        try (OutputStream os = output.create(name)) {
            os.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
