package io.normdrop.nn;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parameters of {@link WeightNormConv2D}, in flat order: direction {@value #DIRECTION_KEY}
 * [nOut, nIn, kH, kW] in c order (as ConvolutionLayer's W: each output channel's kernel
 * contiguous), gain {@value #GAIN_KEY} [1, nOut], bias {@value #BIAS_KEY} [1, nOut] when the layer has one.
 *
 * <p>Initialization: V from the layer's weight-init scheme with ConvolutionLayer's fan-in
 * (nIn·kH·kW) and fan-out (nOut·kH·kW / stride), g = ‖v_c‖ per output channel (so the layer
 * starts as the ConvolutionLayer it replaces would), b = the bias init.
 */
public final class WeightNormConvParamInitializer extends WeightNormParams {
    private static final WeightNormConvParamInitializer INSTANCE = new WeightNormConvParamInitializer();

    private WeightNormConvParamInitializer() {
    }

    public static WeightNormConvParamInitializer getInstance() {
        return INSTANCE;
    }

    @Override
    public long numParams(Layer layer) {
        ConvolutionLayer c = (ConvolutionLayer) layer;
        return kernelLength(c) * c.getNOut() + c.getNOut() + (c.hasBias() ? c.getNOut() : 0);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        ConvolutionLayer layer = (ConvolutionLayer) conf.getLayer();
        Map<String, INDArray> params = views(layer, paramsView);
        if (initializeParams) {
            INDArray v = params.get(DIRECTION_KEY);
            int[] kernel = layer.getKernelSize();
            int[] stride = layer.getStride();
            double fanIn = (double) layer.getNIn() * kernel[0] * kernel[1];
            double fanOut = (double) layer.getNOut() * kernel[0] * kernel[1] / ((double) stride[0] * stride[1]);
            layer.getWeightInitFn().init(fanIn, fanOut, v.shape(), 'c', v);
            params.get(GAIN_KEY).assign(WeightNorm.channelRows(v).norm2(1).reshape(1, layer.getNOut()));
            if (layer.hasBias()) {
                params.get(BIAS_KEY).assign(layer.getBiasInit());
            }
        }
        return params;
    }

    /** nIn · kH · kW: the length of one output channel's kernel. */
    static long kernelLength(ConvolutionLayer layer) {
        return layer.getNIn() * layer.getKernelSize()[0] * layer.getKernelSize()[1];
    }

    @Override
    Map<String, INDArray> views(Layer layer, INDArray flat) {
        ConvolutionLayer c = (ConvolutionLayer) layer;
        long nOut = c.getNOut();
        long vEnd = kernelLength(c) * nOut;
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put(DIRECTION_KEY, slice(flat, 0, vEnd).reshape('c', nOut, c.getNIn(), c.getKernelSize()[0], c.getKernelSize()[1]));
        out.put(GAIN_KEY, slice(flat, vEnd, vEnd + nOut).reshape(1, nOut));
        if (c.hasBias()) {
            out.put(BIAS_KEY, slice(flat, vEnd + nOut, vEnd + 2 * nOut).reshape(1, nOut));
        }
        return out;
    }

    @Override
    boolean hasBias(Layer layer) {
        return ((ConvolutionLayer) layer).hasBias();
    }
}
