package io.normdrop.nn;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parameters of the weight-normalized dense and output layers, in flat order: direction
 * {@value #DIRECTION_KEY} [nIn, nOut] (column-major, so each unit's column is contiguous, as
 * DenseLayer's W), gain {@value #GAIN_KEY} [1, nOut], bias {@value #BIAS_KEY} [1, nOut] when the
 * layer has one.
 *
 * <p>Initialization: V from the layer's weight-init scheme, g = ‖v_j‖ per column (so the
 * initial effective weights equal V and the layer starts as the DenseLayer it replaces would),
 * b = the layer's bias init.
 */
public final class WeightNormParamInitializer extends WeightNormParams {
    private static final WeightNormParamInitializer INSTANCE = new WeightNormParamInitializer();

    private WeightNormParamInitializer() {
    }

    public static WeightNormParamInitializer getInstance() {
        return INSTANCE;
    }

    @Override
    public long numParams(Layer layer) {
        FeedForwardLayer ff = (FeedForwardLayer) layer;
        return ff.getNIn() * ff.getNOut() + ff.getNOut() + (hasBias(layer) ? ff.getNOut() : 0);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        FeedForwardLayer layer = (FeedForwardLayer) conf.getLayer();
        Map<String, INDArray> params = views(layer, paramsView);
        if (initializeParams) {
            INDArray v = params.get(DIRECTION_KEY);
            IWeightInit init = ((BaseLayer) layer).getWeightInitFn();
            init.init(layer.getNIn(), layer.getNOut(), v.shape(), IWeightInit.DEFAULT_WEIGHT_INIT_ORDER, v);
            params.get(GAIN_KEY).assign(v.norm2(0).reshape(1, layer.getNOut()));
            if (hasBias(layer)) {
                params.get(BIAS_KEY).assign(((BaseLayer) layer).getBiasInit());
            }
        }
        return params;
    }

    @Override
    Map<String, INDArray> views(Layer layer, INDArray flat) {
        FeedForwardLayer ff = (FeedForwardLayer) layer;
        long nIn = ff.getNIn();
        long nOut = ff.getNOut();
        long vEnd = nIn * nOut;
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put(DIRECTION_KEY, slice(flat, 0, vEnd).reshape('f', nIn, nOut));
        out.put(GAIN_KEY, slice(flat, vEnd, vEnd + nOut).reshape(1, nOut));
        if (hasBias(layer)) {
            out.put(BIAS_KEY, slice(flat, vEnd + nOut, vEnd + 2 * nOut).reshape(1, nOut));
        }
        return out;
    }

    @Override
    boolean hasBias(Layer layer) {
        return layer instanceof WeightNormDense d ? d.hasBias() : ((WeightNormOutput) layer).hasBias();
    }
}
