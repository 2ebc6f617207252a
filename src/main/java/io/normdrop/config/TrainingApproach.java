package io.normdrop.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How dl4j-spark hands minibatches to workers ({@code training.approach}).
 * {@code direct} trains from the cached RDD and works on any cluster; {@code export} first writes
 * serialized minibatches to a directory every worker can read (faster for large data sets, but a
 * non-local master then needs a shared file system).
 */
public enum TrainingApproach {
    DIRECT, EXPORT;

    public String jobName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static TrainingApproach parse(String key, String value) {
        for (TrainingApproach a : values()) {
            if (a.jobName().equals(value)) {
                return a;
            }
        }
        throw ConfigException.invalid(key, value, "one of: "
                + Arrays.stream(values()).map(TrainingApproach::jobName).collect(Collectors.joining(", ")));
    }
}
