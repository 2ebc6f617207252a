package io.normdrop.nn;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The running weight-normalized dense layer. Forward is DL4J's BaseLayer path (dropout on the
 * input, then z = x·W + b computed as (x·V)·diag(g/‖v‖) + b, then the activation); backward
 * gives ∂L/∂V, ∂L/∂g, ∂L/∂b and runs dropout's backward pass, as DenseLayer does.
 */
public class WeightNormDenseLayer extends BaseLayer<WeightNormDense> {
    public WeightNormDenseLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected Pair<INDArray, INDArray> preOutputWithPreNorm(boolean training, boolean forBackprop,
                                                            LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(forBackprop);
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray z = WeightNormLayers.preOutput(input, params, hasBias(), workspaceMgr, layerId());
        if (maskArray != null) {
            applyMask(z);
        }
        return new Pair<>(z, z);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        applyDropOutIfNecessary(true, workspaceMgr);
        WeightNormLayers.Scale scale = WeightNormLayers.scale(params);
        WeightNormLayers.Forward forward = WeightNormLayers.forward(input, params, scale, hasBias(), true, workspaceMgr,
                ArrayType.BP_WORKING_MEM, layerId());
        INDArray delta = layerConf().getActivationFn().backprop(forward.z(), epsilon).getFirst();
        if (maskArray != null) {
            applyMask(delta);
        }
        Gradient gradient = new DefaultGradient();
        INDArray epsilonNext = WeightNormLayers.backprop(input, forward, delta, params, scale, gradientViews, hasBias(),
                workspaceMgr, gradient);
        epsilonNext = backpropDropOutIfPresent(epsilonNext);
        return new Pair<>(gradient, epsilonNext);
    }

    @Override
    public boolean hasBias() {
        return layerConf().hasBias();
    }

    @Override
    public boolean hasLayerNorm() {
        return false;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }
}
