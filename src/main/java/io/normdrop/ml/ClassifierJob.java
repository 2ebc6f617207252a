package io.normdrop.ml;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueType;
import io.normdrop.config.JobFiles;
import io.normdrop.config.LoadedJob;
import org.apache.spark.ml.param.Param;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Normdrop job a {@link NormdropClassifier}'s params describe: the params that are set, over
 * its {@code job} text, over the params' defaults, validated by the job's own records.
 */
final class ClassifierJob {
    /** Keys of the job's data section that {@link NormdropClassifier#job()} may give; the others describe files. */
    private static final Set<String> DATA_KEYS = Set.of("classes", "classNames", "normalization", "onBadRecord",
            "maxBadFraction", "batchSize");

    private ClassifierJob() {
    }

    /**
     * The Normdrop job these params describe, validated as a job file is: the params that are set,
     * over {@link #job()}, over the params' defaults.
     *
     * @throws IllegalArgumentException when {@link #job()} is not HOCON or gives keys it may not
     * @throws io.normdrop.config.ConfigException naming the key, the value and what is allowed
     */
    static LoadedJob load(NormdropClassifier c) {
        Config given;
        try {
            // A pipeline loaded from elsewhere carries this text: it may include nothing (no URL, no file).
            given = ConfigFactory.parseString(c.getJob(), JobFiles.textParseOptions("job"));
        } catch (com.typesafe.config.ConfigException e) {
            throw new IllegalArgumentException(c.uid() + ": param job is not HOCON: " + e.getMessage(), e);
        }
        requireAllowedKeys(c, given);
        boolean layersSet = c.isSet(c.layers()) || c.isSet(c.keep()) || c.isSet(c.weightNorm());
        if (layersSet && given.hasPath("model.layers")) {
            throw new IllegalArgumentException(c.uid() + ": param job gives model.layers and the params layers, keep or"
                    + " weightNorm are set too; give the network one way");
        }
        Config set = ConfigFactory.parseMap(jobKeys(c, true, layersSet), "params set");
        Config defaults = ConfigFactory.parseMap(jobKeys(c, false, true), "param defaults");
        // The data is the DataFrame and the result the fitted model, but a job names files for both:
        // placeholders, never read or written.
        Config placeholders = ConfigFactory.parseMap(Map.of("data.format", "parquet", "data.train.path", "dataframe",
                "data.test.path", "dataframe", "output.dir", "none (the fitted model)"), "the DataFrame");
        return JobFiles.of(set.withFallback(given).withFallback(defaults).withFallback(placeholders), c.uid(), List.of());
    }

    private static void requireAllowedKeys(NormdropClassifier c, Config given) {
        for (String section : given.root().keySet()) {
            if (!section.equals("model") && !section.equals("training") && !section.equals("data")) {
                throw new IllegalArgumentException(c.uid() + ": param job gives '" + section + "'; it may give the"
                        + " model and training sections and data." + String.join(", data.", DATA_KEYS.stream().sorted()
                        .toList()));
            }
        }
        if (given.hasPath("data") && given.getValue("data").valueType() == ConfigValueType.OBJECT) {
            for (String key : given.getConfig("data").root().keySet()) {
                if (!DATA_KEYS.contains(key)) {
                    throw new IllegalArgumentException(c.uid() + ": param job gives data." + key + "; the data is the"
                            + " DataFrame, and of the data section only data." + String.join(", data.",
                            DATA_KEYS.stream().sorted().toList()) + " may be given");
                }
            }
        }
    }

    /**
     * The job keys of the params: those set ({@code onlySet}) or all with their current values;
     * {@code model.layers} from layers, keep and weightNorm when {@code withLayers}.
     */
    private static Map<String, Object> jobKeys(NormdropClassifier c, boolean onlySet, boolean withLayers) {
        Map<String, Object> keys = new LinkedHashMap<>();
        if (withLayers) {
            keys.put("model.layers", layerList(c));
        }
        putIf(c, keys, onlySet, c.epochs(), "training.epochs");
        putIf(c, keys, onlySet, c.workers(), "training.workers");
        putIf(c, keys, onlySet, c.averagingPeriod(), "training.averagingPeriod");
        putIf(c, keys, onlySet, c.batchSize(), "training.batchSizePerWorker");
        putIf(c, keys, onlySet, c.learningRate(), "training.updater.learningRate");
        putIf(c, keys, onlySet, c.seed(), "training.seed");
        return keys;
    }

    private static void putIf(NormdropClassifier c, Map<String, Object> keys, boolean onlySet, Param<?> param, String key) {
        if (!onlySet || c.isSet(param)) {
            keys.put(key, c.getOrDefault(param));
        }
    }

    /**
     * {@code model.layers}: the hidden layers, then the output layer; dropout on the hidden
     * layers' outputs (the inputs of every layer after the first), as jobs/fashion-mnist.conf has it.
     */
    private static List<Object> layerList(NormdropClassifier c) {
        String prefix = c.getWeightNorm() ? "weightnorm-" : "";
        List<Object> list = new ArrayList<>();
        for (int units : c.getLayers()) {
            list.add(layer(c, prefix + "dense", units, !list.isEmpty()));
        }
        list.add(layer(c, prefix + "output", 0, !list.isEmpty()));
        return list;
    }

    private static Map<String, Object> layer(NormdropClassifier c, String type, int units, boolean dropout) {
        Map<String, Object> layer = new LinkedHashMap<>();
        layer.put("type", type);
        if (units > 0) {
            layer.put("units", units);
        }
        if (dropout && c.getKeep() < 1) {
            layer.put("dropout", Map.of("keep", c.getKeep()));
        }
        return layer;
    }
}
