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
        applyDropOutIfNecessary(true, workspaceMgr);
        WeightNormLayers.Scale scale = WeightNormLayers.scale(params);
        WeightNormLayers.Forward forward = WeightNormLayers.forward(input, params, scale, hasBias(), ArrayType.BP_WORKING_MEM,
                workspaceMgr, ArrayType.BP_WORKING_MEM, layerId());
        INDArray delta = layerConf().getLossFn().computeGradient(getLabels2d(workspaceMgr, ArrayType.BP_WORKING_MEM),
                forward.z(), layerConf().getActivationFn(), maskArray);
        Gradient gradient = new DefaultGradient();
        INDArray epsilonNext = WeightNormLayers.backprop(input, forward, delta, params, scale, gradientViews, hasBias(),
                workspaceMgr, gradient);
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
