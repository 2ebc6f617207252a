package io.normdrop.nn;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * {@link WeightNormConv2D} computed by DL4J's ConvolutionLayer code on W = g·v/‖v‖ at every
 * stride, as every weight-norm convolution ran before {@link PaddedGridConvolution}: the baseline
 * that {@code deploy/bench.sh step} measures the padded grid against, in the same run.
 */
public class Dl4jPathWeightNormConv2D extends WeightNormConv2D {
    /** For JSON deserialization. */
    public Dl4jPathWeightNormConv2D() {
    }

    private Dl4jPathWeightNormConv2D(Builder builder) {
        super(builder);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                                       int layerIndex, INDArray paramsView, boolean initializeParams,
                                                       DataType dataType) {
        return WeightNormLayers.instantiate(new WeightNormConv2DLayer(conf, dataType, false), conf, listeners, layerIndex,
                paramsView, initializeParams);
    }

    /** Builds it as {@link WeightNormConv2D.Builder} does. */
    public static class Builder extends WeightNormConv2D.Builder {
        public Builder(int... kernelSize) {
            super(kernelSize);
        }

        @Override
        @SuppressWarnings("unchecked")
        public Dl4jPathWeightNormConv2D build() {
            super.build();
            return new Dl4jPathWeightNormConv2D(this);
        }
    }
}
