package io.normdrop.nn;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The running weight-normalized dense layer. Forward is DL4J's BaseLayer path (dropout on the
 * input, then z = x·W + b computed as (x·V)·diag(g/‖v‖) + b, then the activation); backward
 * gives ∂L/∂V, ∂L/∂g, ∂L/∂b and runs dropout's backward pass, as DenseLayer does.
 *
 * <p>A training forward pass keeps what its backward pass needs (x·V, the pre-activations and
 * the column norms) in the activations workspace, which DL4J's fit keeps open from the forward
 * pass through the backward pass: the backward pass then needs neither the column norms nor
 * x·V again (DenseLayer recomputes its x·W there). A backward pass whose input is not the one
 * the kept forward pass saw computes them afresh.
 */
public class WeightNormDenseLayer extends BaseLayer<WeightNormDense> {
    /** The last training forward pass, for the backward pass of the same step; null once used. */
    private ForwardForBackprop lastForward;

    private record ForwardForBackprop(INDArray input, WeightNormLayers.Scale scale, WeightNormLayers.Forward forward) {
    }

    public WeightNormDenseLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected Pair<INDArray, INDArray> preOutputWithPreNorm(boolean training, boolean forBackprop,
                                                            LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(forBackprop);
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray z;
        lastForward = null;
        if (training && !forBackprop && (workspaceMgr.isScopedOut(ArrayType.ACTIVATIONS)
                || workspaceMgr.isWorkspaceOpen(ArrayType.ACTIVATIONS))) {
            WeightNormLayers.Scale scale;
            try (MemoryWorkspace ignored = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATIONS)) {
                scale = WeightNormLayers.scale(params);
            }
            WeightNormLayers.Forward forward = WeightNormLayers.forward(input, params, scale, hasBias(),
                    ArrayType.ACTIVATIONS, workspaceMgr, ArrayType.ACTIVATIONS, layerId());
            // The activation function runs in place on what this returns: keep the pre-activations apart.
            z = workspaceMgr.dup(ArrayType.ACTIVATIONS, forward.z());
            lastForward = new ForwardForBackprop(input, scale, forward);
        } else {
            z = WeightNormLayers.preOutput(input, params, hasBias(), workspaceMgr, layerId());
        }
        if (maskArray != null) {
            applyMask(z);
        }
        return new Pair<>(z, z);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        applyDropOutIfNecessary(true, workspaceMgr);
        WeightNormLayers.Scale scale;
        WeightNormLayers.Forward forward;
        if (lastForward != null && lastForward.input() == input) {
            scale = lastForward.scale();
            forward = lastForward.forward();
        } else {
            scale = WeightNormLayers.scale(params);
            forward = WeightNormLayers.forward(input, params, scale, hasBias(), ArrayType.BP_WORKING_MEM, workspaceMgr,
                    ArrayType.BP_WORKING_MEM, layerId());
        }
        lastForward = null;
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
