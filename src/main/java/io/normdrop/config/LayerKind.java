package io.normdrop.config;

import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** The layer types a job file may name in {@code model.layers[i].type}, with their defaults. */
public enum LayerKind implements JobFileName {
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

    /** The activation a layer of this kind gets when the job names none: softmax for output layers, else relu. */
    public Activation defaultActivation() {
        return isOutput() ? Activation.SOFTMAX : Activation.RELU;
    }

    /** The loss a layer of this kind gets when the job names none: mcxent for output layers, else none (null). */
    public LossFunction defaultLoss() {
        return isOutput() ? LossFunction.MCXENT : null;
    }
}
