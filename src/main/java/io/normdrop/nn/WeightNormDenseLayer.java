package io.normdrop.nn;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The running weight-normalized dense layer. Forward is DL4J's BaseLayer path (dropout on the
 * input, x · W + b, activation) with W computed from V and g each pass; backward turns ∂L/∂W
 * into ∂L/∂V and ∂L/∂g and runs dropout's backward pass, as DenseLayer does.
 */
public class WeightNormDenseLayer extends BaseLayer<WeightNormDense> {
    public WeightNormDenseLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected INDArray getParamWithNoise(String param, boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (WeightNormLayers.EFFECTIVE_WEIGHT_KEY.equals(param)) {
            return WeightNormLayers.effectiveWeights(params);
        }
        return super.getParamWithNoise(param, training, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray z = preOutput(true, workspaceMgr);
        INDArray delta = layerConf().getActivationFn().backprop(z, epsilon).getFirst();
        if (maskArray != null) {
            applyMask(delta);
        }
        Gradient gradient = new DefaultGradient();
        INDArray epsilonNext = WeightNormLayers.backprop(input, delta, params, gradientViews, hasBias(), workspaceMgr,
                gradient);
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
