package io.normdrop.nn;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.normdrop.nn.WeightNormParamInitializer.BIAS_KEY;
import static io.normdrop.nn.WeightNormParamInitializer.DIRECTION_KEY;
import static io.normdrop.nn.WeightNormParamInitializer.GAIN_KEY;

/**
 * Parameters of {@link WeightNormConv2D}, in flat order: direction {@value WeightNormParamInitializer#DIRECTION_KEY}
 * [nOut, nIn, kH, kW] in c order (as ConvolutionLayer's W: each output channel's kernel
 * contiguous), gain {@value WeightNormParamInitializer#GAIN_KEY} [1, nOut], bias
 * {@value WeightNormParamInitializer#BIAS_KEY} [1, nOut] when the layer has one.
 *
 * <p>Initialization: V from the layer's weight-init scheme with ConvolutionLayer's fan-in
 * (nIn·kH·kW) and fan-out (nOut·kH·kW / stride), g = ‖v_c‖ per output channel (so the layer
 * starts as the ConvolutionLayer it replaces would), b = the bias init. Only V is a weight for
 * regularization, as for the dense layers.
 */
public final class WeightNormConvParamInitializer implements ParamInitializer {
    private static final WeightNormConvParamInitializer INSTANCE = new WeightNormConvParamInitializer();

    private WeightNormConvParamInitializer() {
    }

    public static WeightNormConvParamInitializer getInstance() {
        return INSTANCE;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        ConvolutionLayer c = (ConvolutionLayer) layer;
        return kernelLength(c) * c.getNOut() + c.getNOut() + (c.hasBias() ? c.getNOut() : 0);
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return ((ConvolutionLayer) layer).hasBias() ? List.of(DIRECTION_KEY, GAIN_KEY, BIAS_KEY) : List.of(DIRECTION_KEY, GAIN_KEY);
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return List.of(DIRECTION_KEY);
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return ((ConvolutionLayer) layer).hasBias() ? List.of(BIAS_KEY) : Collections.emptyList();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return DIRECTION_KEY.equals(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return BIAS_KEY.equals(key);
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
            params.get(GAIN_KEY).assign(v.reshape('c', layer.getNOut(), -1).norm2(1).reshape(1, layer.getNOut()));
            if (layer.hasBias()) {
                params.get(BIAS_KEY).assign(layer.getBiasInit());
            }
        }
        return params;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return views((ConvolutionLayer) conf.getLayer(), gradientView);
    }

    /** nIn · kH · kW: the length of one output channel's kernel. */
    static long kernelLength(ConvolutionLayer layer) {
        return layer.getNIn() * layer.getKernelSize()[0] * layer.getKernelSize()[1];
    }

    private static Map<String, INDArray> views(ConvolutionLayer layer, INDArray flat) {
        long nOut = layer.getNOut();
        long vEnd = kernelLength(layer) * nOut;
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put(DIRECTION_KEY, slice(flat, 0, vEnd).reshape('c', nOut, layer.getNIn(), layer.getKernelSize()[0],
                layer.getKernelSize()[1]));
        out.put(GAIN_KEY, slice(flat, vEnd, vEnd + nOut).reshape(1, nOut));
        if (layer.hasBias()) {
            out.put(BIAS_KEY, slice(flat, vEnd + nOut, vEnd + 2 * nOut).reshape(1, nOut));
        }
        return out;
    }

    private static INDArray slice(INDArray flat, long from, long to) {
        return flat.rank() == 1 ? flat.get(NDArrayIndex.interval(from, to))
                : flat.get(NDArrayIndex.interval(0, 0, true), NDArrayIndex.interval(from, to));
    }
}
