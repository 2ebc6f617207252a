package io.normdrop.nn;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseOutputLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The running weight-normalized output layer: DL4J's OutputLayer behaviour (loss, score,
 * dropout on the input) with W computed from V and g, and gradients for V, g and b.
 */
public class WeightNormOutputLayer extends BaseOutputLayer<WeightNormOutput> {
    public WeightNormOutputLayer(NeuralNetConfiguration conf, DataType dataType) {
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
        Pair<Gradient, INDArray> gradientAndDelta = gradientAndDelta(workspaceMgr);
        INDArray epsilonNext = gradientAndDelta.getSecond();
        epsilonNext = backpropDropOutIfPresent(epsilonNext);
        return new Pair<>(gradientAndDelta.getFirst(), epsilonNext);
    }

    @Override
    public void computeGradientAndScore(LayerWorkspaceMgr workspaceMgr) {
        if (input == null || labels == null) {
            return;
        }
        gradient = gradientAndDelta(workspaceMgr).getFirst();
        score = computeScore(0.0, true, workspaceMgr);
    }

    /** The parameter gradients and ∂L/∂input. */
    private Pair<Gradient, INDArray> gradientAndDelta(LayerWorkspaceMgr workspaceMgr) {
        INDArray preOut = preOutput2d(true, workspaceMgr);
        INDArray delta = layerConf().getLossFn().computeGradient(getLabels2d(workspaceMgr, ArrayType.BP_WORKING_MEM),
                preOut, layerConf().getActivationFn(), maskArray);
        Gradient gradient = new DefaultGradient();
        INDArray epsilonNext = WeightNormLayers.backprop(input, delta, params, gradientViews, hasBias(), workspaceMgr,
                gradient);
        return new Pair<>(gradient, epsilonNext);
    }

    @Override
    protected INDArray getLabels2d(LayerWorkspaceMgr workspaceMgr, ArrayType arrayType) {
        return labels;
    }

    @Override
    public boolean hasLayerNorm() {
        return false;
    }
}
