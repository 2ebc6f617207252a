package io.normdrop.config;

import java.util.Locale;

/** The layer types a job file may name in {@code model.layers[i].type}. */
public enum LayerKind {
    /** Fully connected hidden layer (DL4J DenseLayer). */
    DENSE,
    /** Fully connected output layer with a loss (DL4J OutputLayer); always the last layer. */
    OUTPUT,
    /** Weight-normalized hidden layer: w = g·v/‖v‖ per unit. */
    WEIGHTNORM_DENSE,
    /** Weight-normalized output layer; always the last layer. */
    WEIGHTNORM_OUTPUT;

    /** Whether this kind is an output layer (has a loss, comes last). */
    public boolean isOutput() {
        return this == OUTPUT || this == WEIGHTNORM_OUTPUT;
    }

    /** Whether this kind is weight-normalized. */
    public boolean isWeightNorm() {
        return this == WEIGHTNORM_DENSE || this == WEIGHTNORM_OUTPUT;
    }

    /** The name in job files. */
    public String jobName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
