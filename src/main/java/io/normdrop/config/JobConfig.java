package io.normdrop.config;

import com.typesafe.config.Config;

/** A whole job: data, model, training, output, quality gate, metrics and Spark settings, each validated. */
public record JobConfig(DataConfig data, ModelConfig model, TrainingConfig training, OutputConfig output,
                        QualityConfig quality, MetricsConfig metrics, SparkSettings spark) {
    public JobConfig {
        if (data == null || model == null || training == null || output == null || quality == null || metrics == null
                || spark == null) {
            throw new ConfigException("job", "data, model, training, output, quality, metrics and spark are all required");
        }
        int units = model.numClasses();
        if (units != LayerSpec.UNITS_FROM_DATA && data.classes() > 0 && data.classes() != units) {
            throw ConfigException.invalid(DataConfig.CLASSES.path(), data.classes(), "must equal the output layer's units ("
                    + units + "), or leave one of them out");
        }
        if (training.epochs() == 0) {
            training = training.withAutoEpochs();
            if (!data.validation().exists()) {
                data = data.withValidation(new ValidationSet(null, TrainingConfig.AUTO_VALIDATION));
            }
        }
        if (training.watchesValidation() && !data.validation().exists()) {
            String key = training.earlyStopping().enabled() ? TrainingConfig.EarlyStopping.METRIC.path()
                    : UpdaterSpec.Schedule.TYPE.path();
            throw new ConfigException(key, "needs a validation set: data.validation.fraction (held out of the training "
                    + "data) or data.validation's own files");
        }
        int classes = data.classes() > 0 ? data.classes() : units;
        int names = data.classNames().size();
        if (names > 0 && classes > 0 && names != classes) {
            throw ConfigException.invalid(DataConfig.CLASS_NAMES.path(), names + " names",
                    "must name all " + classes + " classes of the output layer, or be empty");
        }
    }

    /** The job in a resolved config (defaults, file and overrides merged); each section builds its own record. */
    static JobConfig from(Config c) {
        return new JobConfig(DataConfig.from(c), ModelConfig.from(c), TrainingConfig.from(c), OutputConfig.from(c),
                QualityConfig.from(c), MetricsConfig.from(c), SparkSettings.from(c));
    }

    /** The same job trained with {@code training} (e.g. another master for this Spark context). */
    public JobConfig withTraining(TrainingConfig training) {
        return new JobConfig(data, model, training, output, quality, metrics, spark);
    }

    /**
     * Classes the job itself gives: {@code data.classes}, else the output layer's units; 0 when
     * both are left to the data (the largest training label + 1).
     */
    public int knownClasses() {
        return data.classes() > 0 ? data.classes() : model.numClasses();
    }
}
