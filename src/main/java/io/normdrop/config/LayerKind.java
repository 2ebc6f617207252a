package io.normdrop.config;

import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

import java.util.Set;

/** The layer types a job file may name in {@code model.layers[i].type}, with their defaults and keys. */
public enum LayerKind implements JobFileName {
    /** Fully connected hidden layer (DL4J DenseLayer). */
    DENSE,
    /** Fully connected output layer with a loss (DL4J OutputLayer); always the last layer. */
    OUTPUT,
    /** Weight-normalized hidden layer: w = g·v/‖v‖ per unit. */
    WEIGHTNORM_DENSE,
    /** Weight-normalized output layer; always the last layer. */
    WEIGHTNORM_OUTPUT,
    /** 2-D convolution over images (DL4J ConvolutionLayer). */
    CONV2D,
    /** Weight-normalized 2-D convolution: w = g·v/‖v‖ per output channel. */
    WEIGHTNORM_CONV2D,
    /** Max or average pooling over images (DL4J SubsamplingLayer); no parameters. */
    SUBSAMPLING;

    private static final Set<String> DENSE_KEYS = Set.of("type", "units", "activation", "weightInit", "dropout");
    private static final Set<String> OUTPUT_KEYS = Set.of("type", "units", "activation", "weightInit", "dropout", "loss");
    private static final Set<String> CONV_KEYS = Set.of("type", "channels", "kernel", "stride", "mode", "activation",
            "weightInit", "dropout");
    private static final Set<String> SUBSAMPLING_KEYS = Set.of("type", "pooling", "kernel", "stride", "mode", "dropout");

    /** Whether this kind is an output layer (has a loss, comes last). */
    public boolean isOutput() {
        return this == OUTPUT || this == WEIGHTNORM_OUTPUT;
    }

    /** Whether this kind is weight-normalized. */
    public boolean isWeightNorm() {
        return this == WEIGHTNORM_DENSE || this == WEIGHTNORM_OUTPUT || this == WEIGHTNORM_CONV2D;
    }

    /** Whether this kind is a convolution (has channels, a kernel and parameters). */
    public boolean isConvolution() {
        return this == CONV2D || this == WEIGHTNORM_CONV2D;
    }

    /** Whether this kind works on images (channels × height × width) rather than on feature rows. */
    public boolean isSpatial() {
        return isConvolution() || this == SUBSAMPLING;
    }

    /** The names a layer object of this kind may hold (its keys' first segments). */
    public Set<String> keys() {
        return isOutput() ? OUTPUT_KEYS : isConvolution() ? CONV_KEYS : this == SUBSAMPLING ? SUBSAMPLING_KEYS
                : DENSE_KEYS;
    }

    /**
     * The activation a layer of this kind gets when the job names none: softmax for output
     * layers, identity for subsampling (which has none), else relu.
     */
    public Activation defaultActivation() {
        return isOutput() ? Activation.SOFTMAX : this == SUBSAMPLING ? Activation.IDENTITY : Activation.RELU;
    }

    /** The loss a layer of this kind gets when the job names none: mcxent for output layers, else none (null). */
    public LossFunction defaultLoss() {
        return isOutput() ? LossFunction.MCXENT : null;
    }
}
