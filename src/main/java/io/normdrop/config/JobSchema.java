package io.normdrop.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every job key in one list, in the order {@code conf/job-defaults.conf} shows them, with the
 * meaning of each section: what a job file may say. The defaults file is rendered from it
 * ({@link #render}, {@code normdrop keys}), and the defaults a job starts from are parsed from that
 * rendering; a job's keys are checked against those defaults ({@link UnknownKeys}).
 */
public final class JobSchema {
    /** A block of keys and what it is for. */
    private record Section(String path, String meaning) {
    }

    /** {@code model.layers}: a list of objects with the keys of {@link LayerSpec#KEYS}. */
    private record Layers() {
    }

    private static final List<Object> LAYOUT = List.of(
            new Section("data", "Where the data comes from, how it is read and checked, and how its features are scaled."),
            DataConfig.FORMAT,
            new Section("data.train", "The training set."),
            DataSource.TRAIN.images(), DataSource.TRAIN.labels(), DataSource.TRAIN.path(), DataSource.TRAIN.limit(),
            new Section("data.test", "The held-out set, evaluated after every epoch; it must have the training set's "
                    + "features and classes."),
            DataSource.TEST.images(), DataSource.TEST.labels(), DataSource.TEST.path(), DataSource.TEST.limit(),
            new Section("data.validation", "The validation set, evaluated after every epoch: what early stopping and "
                    + "the plateau schedule watch, so that the test set stays a test. Its own files (keys as data.test's), "
                    + "or a fraction of the training data."),
            DataSource.VALIDATION.images(), DataSource.VALIDATION.labels(), DataSource.VALIDATION.path(),
            DataSource.VALIDATION.limit(), ValidationSet.FRACTION,
            DataConfig.FEATURES, DataConfig.SHAPE, DataConfig.CLASSES,
            new Section("data.csv", "Layout of csv files."),
            DataConfig.Csv.HEADER, DataConfig.Csv.DELIMITER, DataConfig.Csv.LABEL, DataConfig.Csv.KEY,
            new Section("data.parquet", "Columns of parquet files."),
            DataConfig.Parquet.LABEL, DataConfig.Parquet.FEATURES, DataConfig.Parquet.KEY,
            DataConfig.ON_BAD_RECORD, DataConfig.MAX_BAD_FRACTION, DataConfig.NORMALIZATION, DataConfig.BATCH_SIZE,
            DataConfig.CLASS_NAMES, DataConfig.LABEL_ORDER, DataConfig.CACHE_LIMIT_MIB, DataConfig.SHUFFLE_BUFFER,
            new Section("model", "The network: layers from input to output; the input size comes from the data."),
            new Layers(),
            new Section("model.dataInit", "Data-dependent initialization of the weight-norm layers (Salimans & Kingma 2016)."),
            ModelConfig.DataInit.ENABLED, ModelConfig.DataInit.EXAMPLES,
            new Section("training", "Distributed training with parameter averaging."),
            TrainingConfig.EPOCHS, TrainingConfig.SEED,
            new Section("training.updater", "The gradient updater every layer uses."),
            UpdaterSpec.TYPE, UpdaterSpec.LEARNING_RATE, UpdaterSpec.MOMENTUM,
            new Section("training.updater.schedule", "How the learning rate changes over training (DL4J's ISchedule)."),
            UpdaterSpec.Schedule.TYPE, UpdaterSpec.Schedule.DECAY, UpdaterSpec.Schedule.EVERY, UpdaterSpec.Schedule.FLOOR,
            UpdaterSpec.Schedule.WARMUP, UpdaterSpec.Schedule.PATIENCE,
            TrainingConfig.L2, TrainingConfig.WORKERS, TrainingConfig.BATCH_SIZE_PER_WORKER,
            TrainingConfig.AVERAGING_PERIOD, TrainingConfig.PREFETCH, TrainingConfig.APPROACH, TrainingConfig.MASTER,
            TrainingConfig.THREADS_PER_WORKER, TrainingConfig.RESHUFFLE_EVERY,
            new Section("training.averaging", "How the workers' averaging is scheduled, and what it does with the "
                    + "updater's state."),
            AveragingSpec.WARMUP_PERIOD, AveragingSpec.WARMUP_EPOCHS, AveragingSpec.UPDATER_STATE,
            new Section("training.checkpoint", "Checkpoints for --resume: the end of every epoch always, and these."),
            TrainingConfig.CHECKPOINT_EVERY_ROUNDS,
            new Section("training.earlyStopping", "Stop when the validation set stops improving, keeping the best epoch."),
            TrainingConfig.EarlyStopping.METRIC, TrainingConfig.EarlyStopping.PATIENCE,
            TrainingConfig.EarlyStopping.MIN_DELTA,
            new Section("output", "Where a run writes its results."),
            OutputConfig.DIR, OutputConfig.RUN_ID, OutputConfig.ONNX,
            new Section("quality", "The quality gate a run must pass to succeed and, with a run id, to be published."),
            QualityConfig.MIN_ACCURACY, QualityConfig.MAX_DROP,
            new Section("metrics", "Every run writes metrics.json, epochs.csv, metrics.prom and report.html into its "
                    + "directory; these keys say what else it measures and where it publishes."),
            MetricsConfig.TRAINING_STATS, MetricsConfig.TEXTFILE_DIR,
            new Section("metrics.pushgateway", "A Prometheus Pushgateway the run's metrics are pushed to."),
            MetricsConfig.Pushgateway.URL, MetricsConfig.Pushgateway.JOB, MetricsConfig.Pushgateway.TIMEOUT_SECONDS,
            MetricsConfig.Pushgateway.USERNAME, MetricsConfig.Pushgateway.PASSWORD_FILE,
            MetricsConfig.Pushgateway.PASSWORD_ENV, MetricsConfig.Pushgateway.CA_CERTIFICATE,
            new Section("spark", "Spark settings; what the command line sets wins."),
            SparkSettings.MASTER, SparkSettings.APP_NAME, SparkSettings.CONF);

    private static final int WIDTH = 100;
    private static final Config DEFAULTS = ConfigFactory.parseString(render(),
            ConfigParseOptions.defaults().setOriginDescription("job defaults"));

    private JobSchema() {
    }

    /**
     * Old names of renamed keys, each with the key it now is: a job file or {@code --set} may still
     * use them (documented in the new key's meaning), and the job reads them as the new key.
     */
    static final Map<String, String> ALIASES = Map.of(
            "training.averagingFrequency", TrainingConfig.AVERAGING_PERIOD.path(),
            "training.averaging.warmupEvery", AveragingSpec.WARMUP_PERIOD.path());

    /** The key {@code path} names: itself, or the key an old name was renamed to. */
    public static String canonical(String path) {
        return ALIASES.getOrDefault(path, path);
    }

    /**
     * {@code job} with every old key name replaced by its new one.
     *
     * @throws ConfigException when a job sets both a key and its old name
     */
    static Config renameAliases(Config job) {
        for (Map.Entry<String, String> alias : ALIASES.entrySet()) {
            if (job.hasPathOrNull(alias.getKey())) {
                if (job.hasPathOrNull(alias.getValue())) {
                    throw new ConfigException(alias.getKey(), "is the old name of " + alias.getValue()
                            + ", which the job also sets: keep only " + alias.getValue());
                }
                job = job.withValue(alias.getValue(), job.getValue(alias.getKey())).withoutPath(alias.getKey());
            }
        }
        return job;
    }

    /** Every key with a value of its own, in order ({@code model.layers} is not one: see {@link LayerSpec#KEYS}). */
    public static List<Key<?>> keys() {
        return LAYOUT.stream().filter(Key.class::isInstance).<Key<?>>map(k -> (Key<?>) k).toList();
    }

    /** Every key with its default: the rendered defaults file, parsed. */
    static Config defaults() {
        return DEFAULTS;
    }

    // ---- the defaults file ------------------------------------------------------------------

    /** {@code conf/job-defaults.conf}: every key, its default and its meaning, as HOCON with comments. */
    public static String render() {
        StringBuilder sb = new StringBuilder();
        comment(sb, "", "Normdrop job defaults: every key a job file may set, its default and what it means. A job "
                + "file (jobs/*.conf) overrides what it needs; any other key is an error. Rendered from the key "
                + "declarations in src/main/java/io/normdrop/config by `normdrop keys`; a test fails when the two "
                + "differ.");
        List<String> open = new ArrayList<>();
        for (Object item : LAYOUT) {
            if (item instanceof Section s) {
                enter(sb, open, parents(s.path()), s.path());
                String indent = "  ".repeat(open.size());
                sb.append(open.isEmpty() ? "\n" : "");
                comment(sb, indent, s.meaning());
                sb.append(indent).append(last(s.path())).append(" {\n");
                open.add(last(s.path()));
            } else if (item instanceof Key<?> k) {
                enter(sb, open, parents(k.path()), k.path());
                String indent = "  ".repeat(open.size());
                comment(sb, indent, k.meaning());
                sb.append(indent).append(last(k.path())).append(" = ").append(k.renderDefault()).append('\n');
            } else {
                enter(sb, open, parents(ModelConfig.LAYERS), ModelConfig.LAYERS);
                String indent = "  ".repeat(open.size());
                comment(sb, indent, ModelConfig.LAYERS_MEANING);
                for (Key<?> k : LayerSpec.KEYS) {
                    String text = k.meaning() + (k.defaultValue() != null && k != LayerSpec.UNITS && k != LayerSpec.CHANNELS
                            ? " Default " + k.renderDefault() + "." : "");
                    wrap(sb, indent + "#   " + String.format(Locale.ROOT, "%-13s", k.path()), text,
                            indent + "#" + " ".repeat(16));
                }
                sb.append(indent).append(last(ModelConfig.LAYERS)).append(" = []\n");
            }
        }
        enter(sb, open, List.of(), "the end");
        return sb.toString();
    }

    /**
     * Closes the open blocks that do not lead to {@code parents}, which must then be open: a key
     * comes after its section's declaration, and a section's keys are together.
     */
    private static void enter(StringBuilder sb, List<String> open, List<String> parents, String what) {
        while (open.size() > parents.size() || !open.equals(parents.subList(0, open.size()))) {
            open.remove(open.size() - 1);
            sb.append("  ".repeat(open.size())).append("}\n");
        }
        if (!open.equals(parents)) {
            throw new IllegalStateException(what + ": its section is not declared before it, or its section's keys "
                    + "are not together");
        }
    }

    private static void comment(StringBuilder sb, String indent, String text) {
        wrap(sb, indent + "# ", text, indent + "# ");
    }

    /** {@code text} wrapped to {@link #WIDTH} columns, the first line after {@code first}, the others after {@code next}. */
    private static void wrap(StringBuilder sb, String first, String text, String next) {
        StringBuilder line = new StringBuilder(first);
        boolean empty = true;
        for (String word : text.split("\\s+")) {
            if (!empty && line.length() + 1 + word.length() > WIDTH) {
                sb.append(line.toString().stripTrailing()).append('\n');
                line = new StringBuilder(next);
                empty = true;
            }
            if (!empty) {
                line.append(' ');
            }
            line.append(word);
            empty = false;
        }
        sb.append(line.toString().stripTrailing()).append('\n');
    }

    private static List<String> segments(String path) {
        return List.of(path.split("\\."));
    }

    private static List<String> parents(String path) {
        List<String> s = segments(path);
        return s.subList(0, s.size() - 1);
    }

    private static String last(String path) {
        return path.substring(path.lastIndexOf('.') + 1);
    }
}
