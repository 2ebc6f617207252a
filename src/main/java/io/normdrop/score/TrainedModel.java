package io.normdrop.score;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.normdrop.config.JobFiles;
import io.normdrop.config.LoadedJob;
import io.normdrop.config.Normalization;
import io.normdrop.data.DataException;
import io.normdrop.data.FeatureScaler;
import io.normdrop.data.MissingInputException;
import io.normdrop.store.HadoopFiles;
import io.normdrop.store.ModelArchive;
import io.normdrop.store.Publication;
import io.normdrop.store.RunFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A trained model as {@code normdrop predict} uses it: the network, the feature scaling it was
 * trained with, and the job that trained it (its data layout and class names), loaded from a run
 * directory, a job's {@code published} copy or a model file, on any Hadoop file system.
 *
 * @param file       the model file loaded
 * @param network    the network; the folded one ({@value RunFiles#INFERENCE_MODEL}) when a run
 *                   directory has it and the caller did not ask for the unfolded one
 * @param scaler     the feature scaling applied before the network; null when none
 * @param job        the job that trained it, from the model file's provenance; null for a model
 *                   file without one (then the data layout must come from a job file)
 * @param labels     the label names by class when the training data's labels were names (from the
 *                   provenance); empty when they were numbers
 * @param folded     whether {@code network} is the folded inference model
 * @param run        which run made it, from the model's provenance and metrics entries
 * @param loadSeconds what loading took (copying the file, restoring the network)
 */
public record TrainedModel(String file, MultiLayerNetwork network, FeatureScaler scaler, LoadedJob job,
                           List<String> labels, boolean folded, Run run, double loadSeconds) {
    /**
     * The run that trained a model; each part null when the model file does not say.
     *
     * @param id           the run directory's name (the run id, for runs that have one)
     * @param configDigest the digest of its resolved job
     * @param dataDigest   the digest of its data files
     */
    public record Run(String id, String configDigest, String dataDigest) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Loads the model at {@code path}: a run directory or {@code OUTPUT_DIR/published} (which
     * must hold {@code _SUCCESS}), a job directory {@code OUTPUT_DIR} (the run its {@code LATEST}
     * names), or a model file.
     *
     * @param unfolded load {@value RunFiles#MODEL} even when the run has {@value RunFiles#INFERENCE_MODEL}
     * @throws MissingInputException when there is no such model
     * @throws DataException         when the path holds something else than a finished run or a model
     */
    public static TrainedModel load(String path, boolean unfolded, Configuration hadoop) {
        long start = System.nanoTime();
        Path given = new Path(path);
        try (FileSystem fs = HadoopFiles.open(given.toUri(), hadoop)) {
            if (!fs.exists(given)) {
                throw new MissingInputException(path + ": no such model (a run directory, OUTPUT_DIR/published or a "
                        + RunFiles.MODEL + ")", null);
            }
            Path file = given;
            if (fs.getFileStatus(given).isDirectory()) {
                // A job directory: the run its LATEST names (how object stores publish).
                given = Publication.resolve(fs, given);
                if (!fs.exists(new Path(given, "_SUCCESS"))) {
                    throw new DataException(path + ": not a finished run (no _SUCCESS): a run directory, "
                            + "OUTPUT_DIR/published or a " + RunFiles.MODEL + " is expected");
                }
                Path folded = new Path(given, RunFiles.INFERENCE_MODEL);
                file = !unfolded && fs.exists(folded) ? folded : new Path(given, RunFiles.MODEL);
                if (!fs.exists(file)) {
                    throw new MissingInputException(file + ": the run has no model file", null);
                }
            }
            File local = Files.createTempFile("normdrop-model", ".zip").toFile();
            try {
                fs.copyToLocalFile(false, file, new Path(local.toURI()), true);
                return restore(fs.makeQualified(file).toString(), local, start);
            } finally {
                Files.deleteIfExists(local.toPath());
            }
        } catch (IOException e) {
            throw new MissingInputException(path + ": cannot read the model: " + e.getMessage(), e);
        }
    }

    private static TrainedModel restore(String file, File local, long start) {
        MultiLayerNetwork network;
        FeatureScaler scaler;
        Map<String, Object> provenance;
        Map<String, Object> metrics;
        try (ModelArchive archive = ModelArchive.open(local, file)) {
            network = archive.network(false);
            scaler = scaling(file, archive);
            provenance = entry(file, archive, RunFiles.MODEL_PROVENANCE_ENTRY);
            metrics = entry(file, archive, RunFiles.MODEL_METRICS_ENTRY);
        }
        LoadedJob job = job(file, provenance);
        boolean folded = file.endsWith("/" + RunFiles.INFERENCE_MODEL);
        Object directory = metrics != null && metrics.get("run") instanceof Map<?, ?> r ? r.get("directory") : null;
        Object data = provenance == null ? null : provenance.get("data");
        Run run = new Run(directory instanceof String d && !d.isBlank() ? new Path(d).getName() : null,
                provenance != null && provenance.get("configDigest") instanceof String c ? c : null,
                data instanceof Map<?, ?> m && m.get("digest") instanceof String digest ? digest : null);
        return new TrainedModel(file, network, scaler, job, labels(provenance), folded, run,
                (System.nanoTime() - start) / 1e9);
    }

    /** The stored scaling; for models without it, DL4J's normalizer entry; null for none. */
    private static FeatureScaler scaling(String file, ModelArchive archive) {
        Optional<String> stored = archive.text(RunFiles.MODEL_SCALING_ENTRY);
        if (stored.isEmpty()) {
            return archive.normalizer().map(FeatureScaler::fromNormalizer).orElse(null);
        }
        try {
            JsonNode s = JSON.readTree(stored.get());
            Normalization kind = Normalization.valueOf(s.get("kind").asText().toUpperCase(java.util.Locale.ROOT));
            return FeatureScaler.restore(kind, JSON.treeToValue(s.get("shift"), float[].class),
                    JSON.treeToValue(s.get("scale"), float[].class));
        } catch (IOException | RuntimeException e) {
            throw new DataException(file + ": unreadable " + RunFiles.MODEL_SCALING_ENTRY + ": " + e.getMessage(), e);
        }
    }

    /** The model's JSON entry {@code name} (its provenance or metrics); null when it has none. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> entry(String file, ModelArchive archive, String name) {
        Optional<String> text = archive.text(name);
        try {
            return text.isEmpty() ? null : JSON.readValue(text.get(), Map.class);
        } catch (IOException e) {
            throw new DataException(file + ": unreadable " + name + ": " + e.getMessage(), e);
        }
    }

    /** The training job from the model's provenance; null when it has none. */
    @SuppressWarnings("unchecked")
    private static LoadedJob job(String file, Map<String, Object> provenance) {
        if (provenance == null) {
            return null;
        }
        try {
            return JobFiles.of(ConfigFactory.parseMap((Map<String, Object>) provenance.get("job"), file), file, List.of());
        } catch (RuntimeException e) {
            throw new DataException(file + ": the job in its provenance entry does not load (" + e.getMessage()
                    + "); give the data job file", e);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> labels(Map<String, Object> provenance) {
        Object data = provenance == null ? null : provenance.get("data");
        Object labels = data instanceof Map<?, ?> d ? d.get("labels") : null;
        return labels instanceof List<?> l ? List.copyOf((List<String>) l) : List.of();
    }

    /** Features the network takes. */
    public int features() {
        return ScoringNetwork.inputFeatures(network);
    }

    /** Classes the network predicts. */
    public int classes() {
        return (int) network.layerSize(network.getnLayers() - 1);
    }

    /**
     * The class names: the training job's {@code data.classNames}, else the label names of its
     * data; empty when it had neither.
     */
    public List<String> classNames() {
        List<String> names = job == null ? List.of() : job.config().data().classNames();
        return names.isEmpty() ? labels : names;
    }
}
