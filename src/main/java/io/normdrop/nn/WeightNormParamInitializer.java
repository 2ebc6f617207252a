package io.normdrop.nn;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameters of the weight-normalized layers, in flat order: direction {@value #DIRECTION_KEY}
 * [nIn, nOut] (column-major, so each unit's column is contiguous, as DenseLayer's W), gain
 * {@value #GAIN_KEY} [1, nOut], bias {@value #BIAS_KEY} [1, nOut] when the layer has one.
 *
 * <p>Initialization: V from the layer's weight-init scheme, g = ‖v_j‖ per column (so the
 * initial effective weights equal V and the layer starts as the DenseLayer it replaces would),
 * b = the layer's bias init. Only V is a "weight" for regularization: L1/L2 decay shrinks the
 * direction, which the normalization then ignores in scale; decaying g would shrink the
 * effective weights themselves and decaying b is not done for DenseLayer either.
 */
public final class WeightNormParamInitializer implements ParamInitializer {
    /** Direction V [nIn, nOut]. */
    public static final String DIRECTION_KEY = "V";
    /** Gain g [1, nOut]. */
    public static final String GAIN_KEY = "g";
    /** Bias b [1, nOut]. */
    public static final String BIAS_KEY = "b";

    private static final WeightNormParamInitializer INSTANCE = new WeightNormParamInitializer();

    private WeightNormParamInitializer() {
    }

    public static WeightNormParamInitializer getInstance() {
        return INSTANCE;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        FeedForwardLayer ff = (FeedForwardLayer) layer;
        return ff.getNIn() * ff.getNOut() + ff.getNOut() + (hasBias(layer) ? ff.getNOut() : 0);
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return hasBias(layer) ? List.of(DIRECTION_KEY, GAIN_KEY, BIAS_KEY) : List.of(DIRECTION_KEY, GAIN_KEY);
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return List.of(DIRECTION_KEY);
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return hasBias(layer) ? List.of(BIAS_KEY) : Collections.emptyList();
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
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return views((FeedForwardLayer) conf.getLayer(), gradientView);
    }

    /** Views of the flat [1, N] (or [N]) array in parameter order. */
    private static Map<String, INDArray> views(FeedForwardLayer layer, INDArray flat) {
        long nIn = layer.getNIn();
        long nOut = layer.getNOut();
        long vEnd = nIn * nOut;
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put(DIRECTION_KEY, slice(flat, 0, vEnd).reshape('f', nIn, nOut));
        out.put(GAIN_KEY, slice(flat, vEnd, vEnd + nOut).reshape(1, nOut));
        if (hasBias(layer)) {
            out.put(BIAS_KEY, slice(flat, vEnd + nOut, vEnd + 2 * nOut).reshape(1, nOut));
        }
        return out;
    }

    private static INDArray slice(INDArray flat, long from, long to) {
        return flat.rank() == 1 ? flat.get(NDArrayIndex.interval(from, to))
                : flat.get(NDArrayIndex.interval(0, 0, true), NDArrayIndex.interval(from, to));
    }

    private static boolean hasBias(Layer layer) {
        return layer instanceof WeightNormDense d ? d.hasBias() : ((WeightNormOutput) layer).hasBias();
    }
}
