package io.normdrop.nn;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

import java.util.Collection;

/**
 * Configuration of a weight-normalized output layer: as DL4J's OutputLayer (activation and
 * loss), with w_j = g_j · v_j / ‖v_j‖. JSON-serializable; build with {@link Builder}. The
 * implementation is {@link WeightNormOutputLayer}.
 */
public class WeightNormOutput extends BaseOutputLayer {
    /** For JSON deserialization. */
    public WeightNormOutput() {
    }

    private WeightNormOutput(Builder builder) {
        super(builder);
        initializeConstraints(builder);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                                       int layerIndex, INDArray paramsView, boolean initializeParams,
                                                       DataType dataType) {
        return WeightNormLayers.instantiate(new WeightNormOutputLayer(conf, dataType), conf, listeners, layerIndex, paramsView,
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
        return o instanceof WeightNormOutput && super.equals(o);
    }

    @Override
    public int hashCode() {
        return super.hashCode();
    }

    /** Builds a {@link WeightNormOutput}: nIn, nOut, activation, loss, weight init, dropout. */
    public static class Builder extends BaseOutputLayer.Builder<Builder> {
        public Builder() {
        }

        public Builder(LossFunction loss) {
            super(loss);
        }

        public Builder(ILossFunction loss) {
            super(loss);
        }

        @Override
        @SuppressWarnings("unchecked")
        public WeightNormOutput build() {
            return new WeightNormOutput(this);
        }
    }
}
