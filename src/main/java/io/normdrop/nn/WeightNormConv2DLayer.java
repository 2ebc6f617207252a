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
 * The running weight-normalized convolution: DL4J's own ConvolutionLayer (im2col, its dropout on
 * the input, its backward pass) run on the effective kernels W = diag(g/‖v‖)·V, and the chain
 * rule through the normalization afterwards. With s_c = g_c/‖v_c‖ and ∂L/∂W from the
 * convolution's backward pass:
 * ∂L/∂g_c = ⟨∂L/∂w_c, v_c⟩ / ‖v_c‖ and ∂L/∂v_c = s_c·∂L/∂w_c − (g_c·∂L/∂g_c/‖v_c‖²)·v_c.
 */
public class WeightNormConv2DLayer extends ConvolutionLayer {
    public WeightNormConv2DLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** ConvolutionLayer reads its kernels as parameter "W": here they are computed from V and g. */
    @Override
    protected INDArray getParamWithNoise(String param, boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (ConvolutionParamInitializer.WEIGHT_KEY.equals(param)) {
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                return WeightNorm.kernels(params.get(DIRECTION_KEY), params.get(GAIN_KEY));
            }
        }
        return super.getParamWithNoise(param, training, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
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
        INDArray norms = WeightNorm.channelNorms(v);
        INDArray g = params.get(GAIN_KEY).reshape(v.size(0), 1);
        INDArray dW2 = WeightNorm.channelRows(dW);
        INDArray v2 = WeightNorm.channelRows(v);
        INDArray dg = dW2.mul(v2).sum(true, 1).divi(norms);
        views.get(GAIN_KEY).assign(dg.reshape(1, v.size(0)));
        INDArray dV = dW2.mulColumnVector(g.div(norms)).subi(v2.mulColumnVector(g.mul(dg).divi(norms.mul(norms))));
        views.get(DIRECTION_KEY).assign(dV.reshape('c', v.shape()));

        Gradient gradient = new DefaultGradient();
        gradient.setGradientFor(DIRECTION_KEY, views.get(DIRECTION_KEY));
        gradient.setGradientFor(GAIN_KEY, views.get(GAIN_KEY));
        if (hasBias()) {
            gradient.setGradientFor(BIAS_KEY, views.get(BIAS_KEY));
        }
        return new Pair<>(gradient, convolution.getSecond());
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
