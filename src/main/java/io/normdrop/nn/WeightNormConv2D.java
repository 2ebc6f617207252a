package io.normdrop.nn;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * Configuration of a weight-normalized 2-d convolution: each output channel c has the kernel
 * w_c = g_c · v_c / ‖v_c‖, the norm over input channels × kernel height × kernel width. Kernel,
 * stride, padding, convolution mode, dilation, activation, bias and dropout on the input are
 * DL4J's {@link ConvolutionLayer}'s, and so is the convolution itself
 * ({@link WeightNormConv2DLayer}); parameters are laid out by {@link WeightNormConvParamInitializer}.
 * JSON-serializable as every DL4J layer (no-arg constructor, bean properties).
 */
public class WeightNormConv2D extends ConvolutionLayer {
    /** For JSON deserialization. */
    public WeightNormConv2D() {
    }

    protected WeightNormConv2D(Builder builder) {
        super(builder);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                                       int layerIndex, INDArray paramsView, boolean initializeParams,
                                                       DataType dataType) {
        return WeightNormLayers.instantiate(new WeightNormConv2DLayer(conf, dataType, paddedGrid()), conf, listeners,
                layerIndex, paramsView, initializeParams);
    }

    /** Whether stride-1 convolutions run on {@link PaddedGridConvolution} (always, but for the benchmarks' baseline). */
    protected boolean paddedGrid() {
        return true;
    }

    @Override
    public ParamInitializer initializer() {
        return WeightNormConvParamInitializer.getInstance();
    }

    @Override
    public WeightNormConv2D clone() {
        return (WeightNormConv2D) super.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WeightNormConv2D && super.equals(o);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + 1;
    }

    /** Builds a {@link WeightNormConv2D} as {@link ConvolutionLayer.Builder} builds a ConvolutionLayer. */
    public static class Builder extends ConvolutionLayer.Builder {
        /** DL4J's default kernel (5 × 5); set one with {@code kernelSize}. */
        public Builder() {
            super();
        }

        public Builder(int... kernelSize) {
            super(kernelSize);
        }

        @Override
        @SuppressWarnings("unchecked")
        public WeightNormConv2D build() {
            super.build(); // DL4J's checks of kernel, stride, padding and mode
            return new WeightNormConv2D(this);
        }
    }
}
