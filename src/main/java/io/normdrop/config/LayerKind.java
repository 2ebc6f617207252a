package io.normdrop.config;

import java.util.Locale;

/** The layer types a job file may name in {@code model.layers[i].type}. */
public enum LayerKind {
    /** Fully connected hidden layer (DL4J DenseLayer). */
    DENSE,
    /** Fully connected output layer with a loss (DL4J OutputLayer); always the last layer. */
    OUTPUT;

    /** The name in job files. */
    public String jobName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
