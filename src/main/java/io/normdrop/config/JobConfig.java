package io.normdrop.config;

/** A whole job: data, model, training, output, quality gate, metrics and Spark settings, each validated. */
public record JobConfig(DataConfig data, ModelConfig model, TrainingConfig training, OutputConfig output,
                        QualityConfig quality, MetricsConfig metrics, SparkSettings spark) {
    public JobConfig {
        if (data == null || model == null || training == null || output == null || quality == null || metrics == null
                || spark == null) {
            throw new ConfigException("job", "data, model, training, output, quality, metrics and spark are all required");
        }
        int names = data.classNames().size();
        if (names > 0 && names != model.numClasses()) {
            throw ConfigException.invalid("data.classNames", names + " names",
                    "must name all " + model.numClasses() + " classes of the output layer, or be empty");
        }
    }
}
