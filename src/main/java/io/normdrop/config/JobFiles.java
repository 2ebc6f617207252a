package io.normdrop.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;

import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads HOCON job files: merges a job over the defaults ({@value #DEFAULTS_RESOURCE}, from
 * {@code conf/} and packed in the jar), applies {@code --set key=value} overrides, rejects
 * unknown keys, and builds the validated {@link JobConfig}.
 */
public final class JobFiles {
    /** Classpath resource holding every job key and its default. */
    public static final String DEFAULTS_RESOURCE = "job-defaults.conf";

    private static final Set<String> LAYER_KEYS = Set.of("type", "units", "activation", "weightInit", "dropout", "loss");
    private static final Set<String> DROPOUT_KEYS = Set.of("keep", "rate");
    private static final String LAYERS = "model.layers";
    private static final String SPARK_CONF = "spark.conf";
    private static final String SET_ORIGIN = "--set";
    private static final Pattern INDEX = Pattern.compile("\\[(\\d+)]");

    private JobFiles() {
    }

    /** Every job key with its default value. */
    public static Config defaults() {
        return ConfigFactory.parseResources(JobFiles.class.getClassLoader(), DEFAULTS_RESOURCE,
                ConfigParseOptions.defaults().setAllowMissing(false));
    }

    /**
     * Loads and validates a job file.
     *
     * @param file      the HOCON job file
     * @param overrides {@code key=value} pairs applied over the file, in order; a key may index
     *                  a list: {@code model.layers[0].units=128}
     * @throws ConfigException naming the file, line, key, value and what is allowed
     */
    public static LoadedJob load(Path file, List<String> overrides) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("job file", "no such file: " + file);
        }
        Config job;
        try {
            job = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults()
                    .setSyntax(ConfigSyntax.CONF).setAllowMissing(false));
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException("job file", e.getMessage(), e);
        }
        return build(file.toString(), job, overrides);
    }

    /** Loads and validates a job given as HOCON text (tests, embedded jobs). */
    public static LoadedJob parse(String hocon, List<String> overrides) {
        Config job;
        try {
            job = ConfigFactory.parseString(hocon, ConfigParseOptions.defaults().setOriginDescription("job"));
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException("job", e.getMessage(), e);
        }
        return build("job", job, overrides);
    }

    /**
     * Validates a job already parsed, e.g. the {@code job} block of a sweep file; errors name
     * the origins the config carries.
     *
     * @param source what to call the job in provenance and errors
     */
    public static LoadedJob of(Config job, String source, List<String> overrides) {
        return build(source, job, overrides);
    }

    private static LoadedJob build(String source, Config job, List<String> overrides) {
        Config defaults = defaults();
        for (String override : overrides) {
            job = applyOverride(job, defaults, override);
        }
        try {
            rejectUnknownKeys(job.root(), "", defaults);
            Config resolved = job.withFallback(defaults).resolve();
            return new LoadedJob(source, resolved, toJobConfig(resolved));
        } catch (ConfigException e) {
            throw e.at(originOf(job, e.key(), source));
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(source, e.getMessage(), e);
        }
    }

    // ---- overrides ------------------------------------------------------------------------

    static Config applyOverride(Config job, Config defaults, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("--set", "expected key=value, got \"" + override + "\"");
        }
        String key = override.substring(0, eq).trim();
        ConfigValue value = parseValue(override.substring(eq + 1).trim());
        List<String> segments = segments(key);
        return withValue(job, defaults, segments, value, key);
    }

    private static ConfigValue parseValue(String raw) {
        try {
            return ConfigFactory.parseString("v = " + raw, ConfigParseOptions.defaults().setOriginDescription(SET_ORIGIN))
                    .root().get("v");
        } catch (com.typesafe.config.ConfigException e) {
            return ConfigValueFactory.fromAnyRef(raw, SET_ORIGIN);
        }
    }

    /** Splits {@code model.layers[0].units} (or {@code model.layers.0.units}) into path segments. */
    private static List<String> segments(String key) {
        Matcher m = INDEX.matcher(key);
        String dotted = m.replaceAll(".$1");
        List<String> out = new ArrayList<>();
        for (String s : dotted.split("\\.", -1)) {
            if (s.isEmpty()) {
                throw new ConfigException("--set", "malformed key \"" + key + "\"");
            }
            out.add(s);
        }
        return out;
    }

    private static Config withValue(Config base, Config fallback, List<String> segments, ConfigValue value, String key) {
        for (int i = 0; i < segments.size(); i++) {
            if (i > 0 && segments.get(i).chars().allMatch(Character::isDigit)) {
                String listPath = ConfigUtil.joinPath(segments.subList(0, i));
                ConfigList list = base.hasPath(listPath) ? base.getList(listPath)
                        : fallback != null && fallback.hasPath(listPath) ? fallback.getList(listPath) : null;
                if (list == null) {
                    throw new ConfigException(key, "\"" + listPath + "\" is not a list");
                }
                int index = Integer.parseInt(segments.get(i));
                if (index >= list.size()) {
                    throw new ConfigException(key, "index " + index + " out of range: " + listPath
                            + " has " + list.size() + " element(s)");
                }
                ConfigValue element = list.get(index);
                ConfigValue replaced;
                if (i == segments.size() - 1) {
                    replaced = value;
                } else if (element.valueType() == ConfigValueType.OBJECT) {
                    Config inner = ((ConfigObject) element).toConfig();
                    replaced = withValue(inner, null, segments.subList(i + 1, segments.size()), value, key).root();
                } else {
                    throw new ConfigException(key, listPath + "[" + index + "] is not an object");
                }
                List<ConfigValue> copy = new ArrayList<>(list);
                copy.set(index, replaced);
                return base.withValue(listPath, ConfigValueFactory.fromIterable(copy));
            }
        }
        return base.withValue(ConfigUtil.joinPath(segments), value);
    }

    // ---- unknown keys -----------------------------------------------------------------------

    private static void rejectUnknownKeys(ConfigObject object, String prefix, Config defaults) {
        for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
            String path = prefix.isEmpty() ? ConfigUtil.joinPath(entry.getKey()) : prefix + "." + ConfigUtil.joinPath(entry.getKey());
            ConfigValue value = entry.getValue();
            if (path.equals(SPARK_CONF)) {
                continue;
            }
            if (!defaults.hasPathOrNull(path)) {
                throw new ConfigException(path, "unknown key" + suggestion(entry.getKey(), siblings(defaults, prefix)));
            }
            if (path.equals(LAYERS) && value.valueType() == ConfigValueType.LIST) {
                ConfigList layers = (ConfigList) value;
                for (int i = 0; i < layers.size(); i++) {
                    rejectUnknownLayerKeys(layers.get(i), i);
                }
            } else if (value.valueType() == ConfigValueType.OBJECT && !defaults.getIsNull(path)
                    && defaults.getValue(path).valueType() == ConfigValueType.OBJECT) {
                rejectUnknownKeys((ConfigObject) value, path, defaults);
            }
        }
    }

    private static void rejectUnknownLayerKeys(ConfigValue layer, int index) {
        String key = LayerSpec.key(index);
        if (layer.valueType() != ConfigValueType.OBJECT) {
            throw ConfigException.invalid(key, layer.unwrapped(), "each layer is an object such as { type = dense, units = 256 }");
        }
        ConfigObject object = (ConfigObject) layer;
        for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
            if (!LAYER_KEYS.contains(e.getKey())) {
                throw new ConfigException(key + "." + e.getKey(), "unknown key" + suggestion(e.getKey(), LAYER_KEYS));
            }
            if (e.getKey().equals("dropout") && e.getValue().valueType() == ConfigValueType.OBJECT) {
                for (String k : ((ConfigObject) e.getValue()).keySet()) {
                    if (!DROPOUT_KEYS.contains(k)) {
                        throw new ConfigException(key + ".dropout." + k, "unknown key (dropout takes keep or rate)");
                    }
                }
            }
        }
    }

    private static Set<String> siblings(Config defaults, String prefix) {
        ConfigObject parent = prefix.isEmpty() ? defaults.root() : defaults.getObject(prefix);
        return parent.keySet();
    }

    private static String suggestion(String key, Set<String> known) {
        String best = known.stream().min(Comparator.comparingInt(k -> editDistance(k.toLowerCase(), key.toLowerCase())))
                .orElse(null);
        String list = String.join(", ", known.stream().sorted().toList());
        if (best != null && editDistance(best.toLowerCase(), key.toLowerCase()) <= Math.max(2, key.length() / 3)) {
            return " (did you mean " + best + "? known: " + list + ")";
        }
        return " (known: " + list + ")";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    // ---- building records --------------------------------------------------------------------

    private static JobConfig toJobConfig(Config c) {
        Values v = new Values(c);
        DataFormat format = Names.parse("data.format", v.string("data.format"), DataFormat.class);
        DataConfig data = new DataConfig(format, source(v, format, "train"), source(v, format, "test"),
                v.integer("data.batchSize"), v.stringList("data.classNames"), v.integer("data.features"),
                v.integer("data.classes"),
                new DataConfig.Csv(v.bool("data.csv.header"), v.string("data.csv.delimiter"), v.scalarString("data.csv.label")),
                new DataConfig.Parquet(v.string("data.parquet.label"), v.optionalString("data.parquet.features")),
                Names.parse("data.onBadRecord", v.string("data.onBadRecord"), BadRecordPolicy.class),
                v.number("data.maxBadFraction"),
                Names.parse("data.normalization", v.string("data.normalization"), Normalization.class));
        ModelConfig model = new ModelConfig(layers(c), new ModelConfig.DataInit(v.bool("model.dataInit.enabled"),
                v.integer("model.dataInit.examples")));
        TrainingConfig training = new TrainingConfig(
                v.integer("training.epochs"),
                v.longValue("training.seed"),
                new UpdaterSpec(Names.parse("training.updater.type", v.string("training.updater.type"), UpdaterSpec.Kind.class),
                        v.number("training.updater.learningRate"), v.number("training.updater.momentum")),
                v.number("training.l2"),
                v.integer("training.workers"),
                v.integer("training.batchSizePerWorker"),
                v.integer("training.averagingFrequency"),
                v.integer("training.prefetch"),
                Names.parse("training.approach", v.string("training.approach"), TrainingApproach.class),
                Names.parse("training.master", v.string("training.master"), TrainingMasterKind.class),
                v.integer("training.threadsPerWorker"));
        OutputConfig output = new OutputConfig(v.optionalString("output.dir"), v.optionalString("output.runId"));
        QualityConfig quality = new QualityConfig(v.number("quality.minAccuracy"),
                c.getIsNull("quality.maxDrop") ? null : v.number("quality.maxDrop"));
        SparkSettings spark = new SparkSettings(v.optionalString("spark.master"), v.string("spark.appName"),
                sparkConf(c));
        MetricsConfig metrics = new MetricsConfig(v.bool("metrics.trainingStats"), v.optionalString("metrics.textfileDir"),
                new MetricsConfig.Pushgateway(v.optionalString("metrics.pushgateway.url"),
                        v.string("metrics.pushgateway.job"), v.integer("metrics.pushgateway.timeoutSeconds")));
        return new JobConfig(data, model, training, output, quality, metrics, spark);
    }

    private static DataSource source(Values v, DataFormat format, String role) {
        String key = "data." + role;
        if (format == DataFormat.IDX) {
            if (v.config.getIsNull(key + ".images") || v.config.getIsNull(key + ".labels")) {
                String missing = v.config.getIsNull(key + ".images") ? key + ".images" : key + ".labels";
                throw new ConfigException(missing, "is required (path of an IDX file) for data.format = idx");
            }
            return new DataSource(role, v.string(key + ".images"), v.string(key + ".labels"), v.integer(key + ".limit"));
        }
        if (v.config.getIsNull(key + ".path")) {
            throw new ConfigException(key + ".path", "is required (a file, directory or glob) for data.format = "
                    + format.jobName());
        }
        return DataSource.at(role, v.string(key + ".path"), v.integer(key + ".limit"));
    }

    private static List<LayerSpec> layers(Config c) {
        List<LayerSpec> out = new ArrayList<>();
        List<? extends ConfigObject> list;
        try {
            list = c.getObjectList(LAYERS);
        } catch (com.typesafe.config.ConfigException.WrongType e) {
            throw ConfigException.invalid(LAYERS, c.getValue(LAYERS).unwrapped(), "a list of layer objects");
        }
        for (int i = 0; i < list.size(); i++) {
            out.add(layer(list.get(i).toConfig(), i));
        }
        return out;
    }

    private static LayerSpec layer(Config c, int index) {
        String key = LayerSpec.key(index);
        Values v = new Values(c, key + ".");
        if (!c.hasPath("type")) {
            throw new ConfigException(key + ".type", "is required (dense, output, weightnorm-dense or weightnorm-output)");
        }
        LayerKind kind = Names.parse(key + ".type", v.string("type"), LayerKind.class);
        if (!c.hasPath("units") && !kind.isOutput()) {
            throw new ConfigException(key + ".units", "is required (number of output units)");
        }
        // An output layer without units gets the data's classes.
        int units = c.hasPath("units") ? v.integer("units") : LayerSpec.UNITS_FROM_DATA;
        if (c.hasPath("units")) {
            Checks.atLeast(key + ".units", units, 1);
        }
        String activationDefault = kind.isOutput() ? "softmax" : "relu";
        Activation activation = Names.parse(key + ".activation",
                c.hasPath("activation") ? v.string("activation") : activationDefault, Activation.class);
        WeightInit weightInit = Names.parse(key + ".weightInit",
                c.hasPath("weightInit") ? v.string("weightInit") : "xavier", WeightInit.class);
        LossFunction loss = null;
        if (c.hasPath("loss")) {
            loss = Names.parse(key + ".loss", v.string("loss"), LossFunction.class);
        } else if (kind.isOutput()) {
            loss = LossFunction.MCXENT;
        }
        return new LayerSpec(index, kind, units, activation, weightInit, dropout(c, v, key), loss);
    }

    private static Dropout dropout(Config c, Values v, String key) {
        if (!c.hasPath("dropout")) {
            return Dropout.none();
        }
        if (c.getValue("dropout").valueType() != ConfigValueType.OBJECT) {
            throw ConfigException.invalid(key + ".dropout", c.getValue("dropout").unwrapped(),
                    "an object: { keep = P } or { rate = R }");
        }
        boolean keep = c.hasPath("dropout.keep");
        boolean rate = c.hasPath("dropout.rate");
        if (keep && rate) {
            throw new ConfigException(key + ".dropout", "give keep or rate, not both (rate = 1 - keep)");
        }
        if (keep) {
            return Dropout.ofKeep(key + ".dropout.keep", v.number("dropout.keep"));
        }
        if (rate) {
            return Dropout.ofRate(key + ".dropout.rate", v.number("dropout.rate"));
        }
        throw new ConfigException(key + ".dropout", "give keep (retain probability) or rate (drop probability)");
    }

    private static Map<String, String> sparkConf(Config c) {
        Map<String, String> out = new LinkedHashMap<>();
        ConfigObject object;
        try {
            object = c.getObject(SPARK_CONF);
        } catch (com.typesafe.config.ConfigException.WrongType e) {
            throw ConfigException.invalid(SPARK_CONF, c.getValue(SPARK_CONF).unwrapped(), "an object of spark.* properties");
        }
        for (Map.Entry<String, Object> e : object.toConfig().root().unwrapped().entrySet()) {
            flatten(e.getKey(), e.getValue(), out);
        }
        for (String key : out.keySet()) {
            // Job files end up in provenance, job.conf and metrics: no secrets in them.
            if (key.toLowerCase(java.util.Locale.ROOT).matches(".*(secret|password|token).*")
                    && !key.equals("spark.authenticate.secret.file")) {
                throw new ConfigException(SPARK_CONF + "." + key, "secrets do not belong in job files (they are copied "
                        + "into the run's provenance); for spark.authenticate.secret use spark.authenticate.secret.file "
                        + "or the environment variable SPARK_AUTHENTICATE_SECRET_FILE");
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String key, Object value, Map<String, String> out) {
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<String, Object> e : ((Map<String, Object>) map).entrySet()) {
                flatten(key + "." + e.getKey(), e.getValue(), out);
            }
        } else if (value instanceof List<?>) {
            throw ConfigException.invalid(SPARK_CONF + "." + key, value, "a string, number or boolean");
        } else {
            out.put(key, String.valueOf(value));
        }
    }

    // ---- origins -----------------------------------------------------------------------------

    /** {@code file:line} of the value a key names, or just the source when it is not in the file. */
    private static String originOf(Config job, String key, String source) {
        try {
            List<String> segments = segments(key);
            ConfigValue value = job.root();
            for (String s : segments) {
                if (value instanceof ConfigObject o && o.containsKey(s)) {
                    value = o.get(s);
                } else if (value instanceof ConfigList l && s.chars().allMatch(Character::isDigit)
                        && Integer.parseInt(s) < l.size()) {
                    value = l.get(Integer.parseInt(s));
                } else {
                    break;
                }
            }
            if (value.origin().filename() == null) {
                return value.origin().description().startsWith(SET_ORIGIN) ? source + " (" + SET_ORIGIN + ")" : source;
            }
            int line = value.origin().lineNumber();
            return line > 0 ? value.origin().filename() + ":" + line : value.origin().filename();
        } catch (RuntimeException e) {
            return source;
        }
    }
}
