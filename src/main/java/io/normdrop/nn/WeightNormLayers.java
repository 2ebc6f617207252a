package io.normdrop.nn;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/** What the two weight-normalized layer implementations share beyond the maths in {@link WeightNorm}. */
final class WeightNormLayers {
    /** The key under which DL4J's BaseLayer asks for the weights it multiplies by. */
    static final String EFFECTIVE_WEIGHT_KEY = "W";

    private WeightNormLayers() {
    }

    /** The effective weights, computed from the current V and g. */
    static INDArray effectiveWeights(Map<String, INDArray> params) {
        return WeightNorm.weights(params.get(WeightNormParamInitializer.DIRECTION_KEY),
                params.get(WeightNormParamInitializer.GAIN_KEY));
    }

    /**
     * Fills the gradient views of V, g and b from delta (∂L/∂z) and the layer input, and
     * returns ∂L/∂input (before dropout's backward pass).
     */
    static INDArray backprop(INDArray input, INDArray delta, Map<String, INDArray> params,
                             Map<String, INDArray> gradientViews, boolean hasBias, LayerWorkspaceMgr workspaceMgr,
                             org.deeplearning4j.nn.gradient.Gradient gradient) {
        INDArray v = params.get(WeightNormParamInitializer.DIRECTION_KEY);
        INDArray g = params.get(WeightNormParamInitializer.GAIN_KEY);
        INDArray gradV = gradientViews.get(WeightNormParamInitializer.DIRECTION_KEY);
        INDArray gradG = gradientViews.get(WeightNormParamInitializer.GAIN_KEY);

        INDArray gradW = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, gradV.dataType(), gradV.shape(), 'f');
        Nd4j.gemm(input.castTo(gradW.dataType()), delta, gradW, true, false, 1.0, 0.0);
        WeightNorm.backprop(v, g, gradW, gradV, gradG);
        gradient.gradientForVariable().put(WeightNormParamInitializer.DIRECTION_KEY, gradV);
        gradient.gradientForVariable().put(WeightNormParamInitializer.GAIN_KEY, gradG);
        if (hasBias) {
            INDArray gradB = gradientViews.get(WeightNormParamInitializer.BIAS_KEY);
            delta.sum(gradB, 0);
            gradient.gradientForVariable().put(WeightNormParamInitializer.BIAS_KEY, gradB);
        }
        INDArray w = WeightNorm.weights(v, g);
        INDArray epsilon = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, delta.dataType(),
                new long[]{w.size(0), delta.size(0)}, 'f');
        return w.mmuli(delta.transpose(), epsilon).transpose();
    }

    static LayerMemoryReport memoryReport(FeedForwardLayer layer, InputType inputType) {
        InputType outputType = layer.getOutputType(-1, inputType);
        long numParams = layer.initializer().numParams(layer);
        long updaterStateSize = (int) layer.getIUpdater().stateSize(numParams);
        long trainSizeFixed = 0;
        long trainSizeVariable = 0;
        if (layer.getIDropout() != null) {
            trainSizeVariable += inputType.arrayElementsPerExample();
        }
        // The effective weights are materialized in every forward and backward pass.
        trainSizeFixed += layer.getNIn() * layer.getNOut();
        trainSizeVariable += outputType.arrayElementsPerExample();
        return new LayerMemoryReport.Builder(layer.getLayerName(), layer.getClass(), inputType, outputType)
                .standardMemory(numParams, updaterStateSize)
                .workingMemory(layer.getNIn() * layer.getNOut(), outputType.arrayElementsPerExample(), trainSizeFixed,
                        trainSizeVariable)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }
}
