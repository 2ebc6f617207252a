package io.normdrop.config;

/** A whole job: data, model, training, output and Spark settings, each validated. */
public record JobConfig(DataConfig data, ModelConfig model, TrainingConfig training, OutputConfig output,
                        SparkSettings spark) {
    public JobConfig {
        if (data == null || model == null || training == null || output == null || spark == null) {
            throw new ConfigException("job", "data, model, training, output and spark are all required");
        }
    }
}
