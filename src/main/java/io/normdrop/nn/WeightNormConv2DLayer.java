package io.normdrop.nn;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;

import static io.normdrop.nn.WeightNormParamInitializer.BIAS_KEY;
import static io.normdrop.nn.WeightNormParamInitializer.DIRECTION_KEY;
import static io.normdrop.nn.WeightNormParamInitializer.GAIN_KEY;

/**
 * The running weight-normalized convolution: the convolution of the effective kernels
 * W = diag(g/‖v‖)·V, computed once a step, and the chain rule through the normalization
 * afterwards. With s_c = g_c/‖v_c‖ and ∂L/∂W from the convolution's backward pass:
 * ∂L/∂g_c = ⟨∂L/∂w_c, v_c⟩ / ‖v_c‖ and ∂L/∂v_c = s_c·∂L/∂w_c − (g_c·∂L/∂g_c/‖v_c‖²)·v_c.
 *
 * <p>Stride-1 convolutions (every one the shipped jobs use) run on {@link PaddedGridConvolution};
 * strided ones run DL4J's own ConvolutionLayer code on W. Dropout on the input, the activation
 * and the workspaces are DL4J's either way.
 */
public class WeightNormConv2DLayer extends ConvolutionLayer {
    private final transient PaddedGridConvolution fast;
    private transient INDArray kernels;        // W of the last forward pass on the fast path
    private transient INDArray preActivations; // its z, kept for the activation's backward pass (activate overwrites z)

    /** @param paddedGrid false: DL4J's ConvolutionLayer code whatever the stride (the benchmarks' baseline) */
    public WeightNormConv2DLayer(NeuralNetConfiguration conf, DataType dataType, boolean paddedGrid) {
        super(conf, dataType);
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer layer = (org.deeplearning4j.nn.conf.layers.ConvolutionLayer) conf.getLayer();
        fast = paddedGrid && PaddedGridConvolution.supports(layer) ? new PaddedGridConvolution(layer) : null;
    }

    /** ConvolutionLayer reads its kernels as parameter "W": here they are computed from V and g. */
    @Override
    protected INDArray getParamWithNoise(String param, boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (ConvolutionParamInitializer.WEIGHT_KEY.equals(param)) {
            return effectiveKernels();
        }
        return super.getParamWithNoise(param, training, workspaceMgr);
    }

    private INDArray effectiveKernels() {
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            return WeightNorm.kernels(params.get(DIRECTION_KEY), params.get(GAIN_KEY));
        }
    }

    /** Whether the padded grid computes this input (stride 1, and buffers under 2 GiB); otherwise DL4J's code does. */
    private boolean onGrid() {
        return fast != null && input != null && fast.fits(input.shape(), dataType, layerConf().getNOut());
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!onGrid()) {
            return super.activate(training, workspaceMgr);
        }
        assertInputSet(false);
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray z = fastPreOutput(workspaceMgr);
        if (training) {
            keepPreActivations(z);
        }
        return layerConf().getActivationFn().getActivation(z, training);
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
        if (!onGrid()) {
            return super.preOutput(training, forBackprop, workspaceMgr);
        }
        assertInputSet(false);
        return new Pair<>(fastPreOutput(workspaceMgr), null);
    }

    private INDArray fastPreOutput(LayerWorkspaceMgr workspaceMgr) {
        kernels = effectiveKernels();
        INDArray bias = hasBias() ? params.get(BIAS_KEY) : null;
        return fast.forward(input.castTo(dataType), kernels, bias, workspaceMgr);
    }

    private void keepPreActivations(INDArray z) {
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            if (preActivations == null || !java.util.Arrays.equals(preActivations.shape(), z.shape())
                    || preActivations.dataType() != z.dataType()) {
                preActivations = Nd4j.create(z.dataType(), z.shape(), 'c');
            }
        }
        preActivations.assign(z);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        return onGrid() ? fastBackprop(epsilon, workspaceMgr) : dl4jBackprop(epsilon, workspaceMgr);
    }

    private Pair<Gradient, INDArray> fastBackprop(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray x = input.castTo(dataType);
        if (!fast.holds(x) || preActivations == null) {
            // Not the forward pass of this input (DL4J always runs one first; this keeps a direct call right).
            keepPreActivations(fastPreOutput(workspaceMgr));
        }
        INDArray delta = layerConf().getActivationFn().backprop(preActivations, epsilon.castTo(dataType)).getFirst();
        PaddedGridConvolution.Gradients grads = fast.backward(delta, kernels,
                hasBias() ? gradientViews.get(BIAS_KEY) : null, workspaceMgr);
        Gradient gradient = normalizationGradients(grads.weights());
        weightNoiseParams.clear();
        return new Pair<>(gradient, backpropDropOutIfPresent(grads.input()));
    }

    /** DL4J's ConvolutionLayer backward pass on W, with ∂L/∂W written to an array of its own. */
    private Pair<Gradient, INDArray> dl4jBackprop(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        INDArray v = params.get(DIRECTION_KEY);
        INDArray dW;
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            dW = Nd4j.create(v.dataType(), v.shape(), 'c');
        }
        // ConvolutionLayer writes ∂L/∂W and ∂L/∂b into its gradient views: give it a W view of its own.
        Map<String, INDArray> views = gradientViews;
        Map<String, INDArray> convolutionViews = new HashMap<>();
        convolutionViews.put(ConvolutionParamInitializer.WEIGHT_KEY, dW);
        if (hasBias()) {
            convolutionViews.put(ConvolutionParamInitializer.BIAS_KEY, views.get(BIAS_KEY));
        }
        Pair<Gradient, INDArray> convolution;
        gradientViews = convolutionViews;
        try {
            convolution = super.backpropGradient(epsilon, workspaceMgr);
        } finally {
            gradientViews = views;
        }
        return new Pair<>(normalizationGradients(dW), convolution.getSecond());
    }

    /** ∂L/∂V and ∂L/∂g from ∂L/∂W (chain rule in the class comment) into the gradient views; ∂L/∂b is already there. */
    private Gradient normalizationGradients(INDArray dW) {
        INDArray v = params.get(DIRECTION_KEY);
        INDArray norms = WeightNorm.channelNorms(v);
        INDArray g = params.get(GAIN_KEY).reshape(v.size(0), 1);
        INDArray dW2 = WeightNorm.channelRows(dW);
        INDArray v2 = WeightNorm.channelRows(v);
        INDArray dg = dW2.mul(v2).sum(true, 1).divi(norms);
        gradientViews.get(GAIN_KEY).assign(dg.reshape(1, v.size(0)));
        INDArray dV = dW2.mulColumnVector(g.div(norms)).subi(v2.mulColumnVector(g.mul(dg).divi(norms.mul(norms))));
        gradientViews.get(DIRECTION_KEY).assign(dV.reshape('c', v.shape()));

        Gradient gradient = new DefaultGradient();
        gradient.setGradientFor(DIRECTION_KEY, gradientViews.get(DIRECTION_KEY));
        gradient.setGradientFor(GAIN_KEY, gradientViews.get(GAIN_KEY));
        if (hasBias()) {
            gradient.setGradientFor(BIAS_KEY, gradientViews.get(BIAS_KEY));
        }
        return gradient;
    }

    /** The pre-activations conv(x, W) + b of input {@code x} [n, nIn, h, w] in inference mode (no dropout), a new array. */
    INDArray preActivations(INDArray x) {
        setInput(x, LayerWorkspaceMgr.noWorkspaces());
        try {
            return preOutput(false, false, LayerWorkspaceMgr.noWorkspaces()).getFirst().dup();
        } finally {
            clear();
        }
    }
}
