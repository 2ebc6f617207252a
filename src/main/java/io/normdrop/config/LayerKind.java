package io.normdrop.config;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The layer types a job file may name in {@code model.layers[i].type}. */
public enum LayerKind {
    /** Fully connected hidden layer (DL4J DenseLayer). */
    DENSE("dense"),
    /** Fully connected output layer with a loss (DL4J OutputLayer); always the last layer. */
    OUTPUT("output");

    private final String jobName;

    LayerKind(String jobName) {
        this.jobName = jobName;
    }

    public String jobName() {
        return jobName;
    }

    static LayerKind parse(String key, String value) {
        for (LayerKind kind : values()) {
            if (kind.jobName.equals(value)) {
                return kind;
            }
        }
        throw ConfigException.invalid(key, value, "one of: " + names());
    }

    static String names() {
        return Arrays.stream(values()).map(LayerKind::jobName).collect(Collectors.joining(", "));
    }
}
