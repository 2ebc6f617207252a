package io.normdrop.nn;

import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collection;
import java.util.Map;

import static io.normdrop.nn.WeightNormParamInitializer.BIAS_KEY;
import static io.normdrop.nn.WeightNormParamInitializer.DIRECTION_KEY;
import static io.normdrop.nn.WeightNormParamInitializer.GAIN_KEY;

/**
 * The forward and backward passes the two weight-normalized layers share. They never
 * materialize W = V·diag(s) with s = g/‖v‖: the forward pass is z = (x·V)·diag(s) + b, the
 * backward pass uses δs = δ·diag(s), so the matrix-sized work is the three products DenseLayer
 * also does (x·V, xᵀ·δs, δs·Vᵀ), plus one column-norm pass and one scaled subtraction on V.
 */
final class WeightNormLayers {
    private WeightNormLayers() {
    }

    /**
     * Column norms of V (floored) and the per-unit scale s = g/‖v‖, both [1, nOut].
     *
     * @param norms ‖v_j‖
     * @param s     g_j/‖v_j‖
     */
    record Scale(INDArray norms, INDArray s) {
    }

    static Scale scale(Map<String, INDArray> params) {
        INDArray v = params.get(DIRECTION_KEY);
        INDArray norms = WeightNorm.norms(v);
        return new Scale(norms, params.get(GAIN_KEY).reshape(1, v.size(1)).div(norms));
    }

    /**
     * A forward pass: u = x·V (kept only for the backward pass) and z = u·diag(s) + b.
     *
     * @param u the unscaled product, or null when not kept
     * @param z the pre-activations
     */
    record Forward(INDArray u, INDArray z) {
    }

    /**
     * The forward pass for a 2-d input. ND4J's broadcasts are only fast in place on arrays of
     * one ordering, so every broadcast here runs in place on a freshly allocated 'f' array.
     *
     * @param uType  workspace array type of x·V kept apart from z for the backward pass (one copy),
     *               or null not to keep it
     * @param zType  workspace array type of z
     */
    static Forward forward(INDArray input, Map<String, INDArray> params, Scale scale, boolean hasBias, ArrayType uType,
                           LayerWorkspaceMgr workspaceMgr, ArrayType zType, String layerId) {
        boolean keepU = uType != null;
        INDArray v = params.get(DIRECTION_KEY);
        if (input.rank() != 2 || input.columns() != v.rows()) {
            throw new DL4JInvalidInputException("Input of shape " + java.util.Arrays.toString(input.shape())
                    + " does not match a weight-norm layer with nIn = " + v.rows() + " " + layerId);
        }
        long[] shape = {input.size(0), v.size(1)};
        INDArray u = workspaceMgr.createUninitialized(keepU ? uType : zType, v.dataType(), shape, 'f');
        input.castTo(v.dataType()).mmuli(v, u);
        INDArray z = u;
        if (keepU) {
            z = workspaceMgr.createUninitialized(zType, v.dataType(), shape, 'f');
            z.assign(u);
        }
        z.muliRowVector(scale.s());
        if (hasBias) {
            z.addiRowVector(params.get(BIAS_KEY));
        }
        return new Forward(keepU ? u : null, z);
    }

    /**
     * Fills the gradient views of V, g and b from δ = ∂L/∂z and returns ∂L/∂input (before
     * dropout's backward pass). With u = x·V and s = g/‖v‖:
     * ∂L/∂b = Σ δ; ∂L/∂g_j = Σ_n δ_nj·u_nj / ‖v_j‖; ∂L/∂V = xᵀ·(δ·diag(s)) − V·diag(g·∂L/∂g/‖v‖²);
     * ∂L/∂x = (δ·diag(s))·Vᵀ.
     */
    static INDArray backprop(INDArray input, Forward forward, INDArray delta, Map<String, INDArray> params, Scale scale,
                             Map<String, INDArray> gradientViews, boolean hasBias, LayerWorkspaceMgr workspaceMgr,
                             Gradient gradient) {
        INDArray v = params.get(DIRECTION_KEY);
        INDArray g = params.get(GAIN_KEY).reshape(1, v.size(1));
        INDArray gradV = gradientViews.get(DIRECTION_KEY);
        INDArray gradG = gradientViews.get(GAIN_KEY);
        INDArray x = input.castTo(v.dataType());

        if (hasBias) {
            INDArray gradB = gradientViews.get(BIAS_KEY);
            delta.sum(gradB, 0);
            gradient.gradientForVariable().put(BIAS_KEY, gradB);
        }
        // δ is scaled in place below: copied first unless it is already an 'f' array of ours.
        INDArray deltaF = delta;
        if (delta.ordering() != 'f' || delta.isView() || delta.dataType() != v.dataType()) {
            deltaF = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, v.dataType(), delta.shape(), 'f');
            deltaF.assign(delta);
        }
        INDArray dg = forward.u().muli(deltaF).sum(true, 0).divi(scale.norms());
        gradG.assign(dg.reshape(gradG.shape()));

        // gradV = xᵀ·(δ·diag(s)) − V·diag(c), c = g·dg/‖v‖²: start from −V·diag(c), then add the product.
        INDArray c = g.mul(dg).divi(scale.norms().mul(scale.norms())).negi();
        gradV.assign(v).muliRowVector(c);
        INDArray deltaScaled = deltaF.muliRowVector(scale.s());
        Nd4j.gemm(x, deltaScaled, gradV, true, false, 1.0, 1.0);

        gradient.gradientForVariable().put(DIRECTION_KEY, gradV);
        gradient.gradientForVariable().put(GAIN_KEY, gradG);
        INDArray epsilon = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, delta.dataType(),
                new long[]{v.size(0), delta.size(0)}, 'f');
        return v.mmuli(deltaScaled.transpose(), epsilon).transpose();
    }

    /** Wires a new layer implementation to its configuration and parameter views, as DL4J's own layers do. */
    static <L extends org.deeplearning4j.nn.layers.BaseLayer<?>> L instantiate(L layer, NeuralNetConfiguration conf,
            Collection<TrainingListener> listeners, int layerIndex, INDArray paramsView, boolean initializeParams) {
        layer.setListeners(listeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(paramsView);
        layer.setParamTable(conf.getLayer().initializer().init(conf, paramsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }

    /** The forward pass without keeping x·V: the pre-activations in the ACTIVATIONS workspace. */
    static INDArray preOutput(INDArray input, Map<String, INDArray> params, boolean hasBias,
                              LayerWorkspaceMgr workspaceMgr, String layerId) {
        return forward(input, params, scale(params), hasBias, null, workspaceMgr, ArrayType.ACTIVATIONS, layerId).z();
    }

    static LayerMemoryReport memoryReport(FeedForwardLayer layer, InputType inputType) {
        InputType outputType = layer.getOutputType(-1, inputType);
        long numParams = layer.initializer().numParams(layer);
        long updaterStateSize = (int) layer.getIUpdater().stateSize(numParams);
        long trainSizeVariable = outputType.arrayElementsPerExample() * 2; // u = x·V and δ·diag(s)
        if (layer.getIDropout() != null) {
            trainSizeVariable += inputType.arrayElementsPerExample();
        }
        long trainSizeFixed = layer.getNIn() * layer.getNOut(); // V·diag(c) in the V gradient
        return new LayerMemoryReport.Builder(layer.getLayerName(), layer.getClass(), inputType, outputType)
                .standardMemory(numParams, updaterStateSize)
                .workingMemory(0, 0, trainSizeFixed, trainSizeVariable)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }
}
