package io.normdrop.nn;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * Configuration of a weight-normalized fully connected layer: out = σ(x · W + b) with
 * w_j = g_j · v_j / ‖v_j‖. Dropout ({@code dropOut}) applies to its input exactly as for
 * DenseLayer. JSON-serializable (no-arg constructor, plain fields); build with {@link Builder}.
 * The implementation is {@link WeightNormDenseLayer}; parameters are laid out by
 * {@link WeightNormParamInitializer}.
 */
public class WeightNormDense extends FeedForwardLayer {
    private boolean hasBias = true;

    /** For JSON deserialization. */
    public WeightNormDense() {
    }

    private WeightNormDense(Builder builder) {
        super(builder);
        this.hasBias = builder.hasBias;
        initializeConstraints(builder);
    }

    public boolean hasBias() {
        return hasBias;
    }

    /** Bean accessor, for DL4J's JSON mapper. */
    public boolean isHasBias() {
        return hasBias;
    }

    /** Bean accessor, for DL4J's JSON mapper. */
    public void setHasBias(boolean hasBias) {
        this.hasBias = hasBias;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                                       int layerIndex, INDArray paramsView, boolean initializeParams,
                                                       DataType dataType) {
        return WeightNormLayers.instantiate(new WeightNormDenseLayer(conf, dataType), conf, listeners, layerIndex, paramsView,
                initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return WeightNormParamInitializer.getInstance();
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        return WeightNormLayers.memoryReport(this, inputType);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WeightNormDense other && super.equals(o) && hasBias == other.hasBias;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Boolean.hashCode(hasBias);
    }

    /** Builds a {@link WeightNormDense}: nIn, nOut, activation, weight init, dropout as for DenseLayer. */
    public static class Builder extends FeedForwardLayer.Builder<Builder> {
        private boolean hasBias = true;

        /** Whether the layer has a bias (default true). */
        public Builder hasBias(boolean hasBias) {
            this.hasBias = hasBias;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public WeightNormDense build() {
            return new WeightNormDense(this);
        }
    }
}
