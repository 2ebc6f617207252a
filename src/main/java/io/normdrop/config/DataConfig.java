package io.normdrop.config;

import java.util.List;

/**
 * Where the data comes from and how the driver cuts it into records.
 *
 * @param format    data format; {@code idx} (MNIST-format IDX files) is the one supported
 * @param train     the training set
 * @param test      the held-out set evaluated after every epoch
 * @param batchSize examples in each DataSet record the driver builds (default 64); also the
 *                  evaluation batch. Workers re-batch to {@code training.batchSizePerWorker}.
 * @param classNames names of the classes, by label, for reports; empty: the labels themselves
 */
public record DataConfig(String format, DataSource train, DataSource test, int batchSize, List<String> classNames) {
    public static final String FORMAT_IDX = "idx";

    public DataConfig {
        if (!FORMAT_IDX.equals(format)) {
            throw ConfigException.invalid("data.format", format, "supported: idx");
        }
        Checks.atLeast("data.batchSize", batchSize, 1);
        classNames = List.copyOf(classNames);
        for (int i = 0; i < classNames.size(); i++) {
            Checks.notBlank("data.classNames[" + i + "]", classNames.get(i));
        }
    }

    /** The name of class {@code label}: from {@code classNames}, else the label itself. */
    public String className(int label) {
        return label < classNames.size() ? classNames.get(label) : String.valueOf(label);
    }
}
