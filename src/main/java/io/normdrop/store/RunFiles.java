package io.normdrop.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.normdrop.config.LoadedJob;
import io.normdrop.data.FeatureScaler;
import io.normdrop.metrics.HtmlReport;
import io.normdrop.metrics.MetricsFiles;
import io.normdrop.metrics.PrometheusMetrics;
import io.normdrop.metrics.Provenance;
import io.normdrop.metrics.RunMetrics;
import io.normdrop.nn.WeightNormFolding;
import io.normdrop.onnx.OnnxExport;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

/**
 * The files of a finished run, written into its run directory before the commit: the model
 * files, what went into the run ({@value #PROVENANCE}, {@value #RESOLVED_JOB}) and what came out
 * of it (the metrics files). Both model files carry the provenance and the metrics as entries, so
 * a model file alone says where it came from and how it did.
 */
public final class RunFiles {
    /** The trained network with its updater state (further training needs it). */
    public static final String MODEL = "model.zip";
    /**
     * The model folded for inference (weight-norm layers replaced by the plain layers they
     * compute; no updater state); written only when the network has weight-norm layers.
     */
    public static final String INFERENCE_MODEL = "model-inference.zip";
    /** The model as ONNX ({@code output.onnx}): raw rows in, probabilities out. */
    public static final String ONNX_MODEL = "model.onnx";
    public static final String PROVENANCE = "provenance.json";
    /** One JSON object per epoch, appended as the epochs finish. */
    public static final String METRICS_LINES = "metrics.jsonl";
    /** The resolved job; loading it again gives the run's configuration. */
    public static final String RESOLVED_JOB = "job.conf";
    /** Entries inside the model files. */
    public static final String MODEL_PROVENANCE_ENTRY = "normdrop-provenance.json";
    public static final String MODEL_METRICS_ENTRY = "normdrop-metrics.json";
    /**
     * The feature scaling as fitted ({@code kind}, {@code shift}, {@code scale} per feature), so
     * that scoring scales exactly as training did; DL4J's normalizer entry holds the same scaling
     * for DL4J's own tools.
     */
    public static final String MODEL_SCALING_ENTRY = "normdrop-scaling.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunFiles() {
    }

    /**
     * Writes everything of the run directory but {@code _SUCCESS}.
     *
     * @param scaler the feature scaling, stored with the models as DL4J's normalizer; null for none
     * @return seconds it took (rendering included)
     */
    public static double write(RunDirectory run, LoadedJob job, MultiLayerNetwork network, FeatureScaler scaler,
                               Provenance provenance, RunMetrics metrics, PrometheusMetrics prometheus) throws IOException {
        long start = System.nanoTime();
        String provenanceJson = json(provenance);
        String metricsJson = MetricsFiles.json(metrics);
        writeModel(run, MODEL, network, true, scaler, provenanceJson, metricsJson);
        if (WeightNormFolding.hasWeightNorm(network.getLayerWiseConfigurations())) {
            writeModel(run, INFERENCE_MODEL, WeightNormFolding.fold(network), false, scaler, provenanceJson, metricsJson);
        }
        if (job.config().output().onnx()) {
            writeOnnx(run, job, network, scaler, provenance);
        }
        write(run, PROVENANCE, provenanceJson);
        write(run, RESOLVED_JOB, "# Resolved job: " + job.source() + "\n" + job.renderHocon());
        write(run, MetricsFiles.JSON_FILE, metricsJson);
        write(run, MetricsFiles.CSV_FILE, MetricsFiles.csv(metrics));
        write(run, MetricsFiles.REPORT_FILE, HtmlReport.render(metrics));
        write(run, MetricsFiles.PROMETHEUS_FILE, prometheus.text());
        return (System.nanoTime() - start) / 1e9;
    }

    /**
     * A model file: the network, the provenance and metrics of its run and, when the job scales
     * features, the scaling as DL4J's normalizer ({@code ModelSerializer.restoreNormalizerFromFile}
     * reads it).
     */
    private static void writeModel(RunDirectory run, String name, MultiLayerNetwork network, boolean withUpdater,
                                   FeatureScaler scaler, String provenanceJson, String metricsJson) throws IOException {
        java.nio.file.Path local = Files.createTempFile("normdrop-model", ".zip");
        try {
            ModelSerializer.writeModel(network, local.toFile(), withUpdater);
            if (scaler != null) {
                addScaling(local.toFile(), scaler);
            }
            ModelSerializer.addObjectToFile(local.toFile(), MODEL_PROVENANCE_ENTRY, provenanceJson);
            ModelSerializer.addObjectToFile(local.toFile(), MODEL_METRICS_ENTRY, metricsJson);
            run.fileSystem().copyFromLocalFile(false, true, new Path(local.toUri()), new Path(run.temp(), name));
        } finally {
            Files.deleteIfExists(local);
        }
    }

    /** {@value #ONNX_MODEL}: the network, its input's scaling and the run's identity in its metadata. */
    private static void writeOnnx(RunDirectory run, LoadedJob job, MultiLayerNetwork network, FeatureScaler scaler,
                                  Provenance provenance) throws IOException {
        OnnxExport.Input input = OnnxExport.Input.of(job.config().data().format(), scaler);
        List<String> classes = job.config().data().classNames().isEmpty() ? provenance.data().labels()
                : job.config().data().classNames();
        String runId = run.runId() != null ? run.runId() : run.target().getName();
        byte[] onnx = OnnxExport.toBytes(network, input, OnnxExport.metadata(classes, runId, provenance.configDigest(),
                provenance.data().digest(), input), provenance.code().toString());
        try (OutputStream os = run.create(ONNX_MODEL)) {
            os.write(onnx);
        }
    }

    /**
     * Adds the feature scaling to a model file written by DL4J's {@code ModelSerializer}: as
     * {@value #MODEL_SCALING_ENTRY}, which {@code TrainedModel} restores exactly, and as DL4J's
     * normalizer for DL4J's own tools.
     */
    public static void addScaling(File model, FeatureScaler scaler) throws IOException {
        ModelSerializer.addNormalizerToModel(model, scaler.toNormalizer());
        ModelSerializer.addObjectToFile(model, MODEL_SCALING_ENTRY, JSON.writeValueAsString(
                Map.of("kind", scaler.kind().jobName(), "shift", scaler.shift(), "scale", scaler.scale())));
    }

    private static void write(RunDirectory run, String name, String text) throws IOException {
        try (OutputStream os = run.create(name)) {
            os.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static String json(Provenance provenance) {
        try {
            return JSON.writeValueAsString(provenance);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
