package io.normdrop.config;

/**
 * Where the data comes from and how the driver cuts it into records.
 *
 * @param format    data format; {@code idx} (MNIST-format IDX files) is the one supported
 * @param train     the training set
 * @param test      the held-out set evaluated after every epoch
 * @param batchSize examples in each DataSet record the driver builds (default 64); also the
 *                  evaluation batch. Workers re-batch to {@code training.batchSizePerWorker}.
 */
public record DataConfig(String format, DataSource train, DataSource test, int batchSize) {
    public static final String FORMAT_IDX = "idx";

    public DataConfig {
        if (!FORMAT_IDX.equals(format)) {
            throw ConfigException.invalid("data.format", format, "supported: idx");
        }
        Checks.atLeast("data.batchSize", batchSize, 1);
    }
}
