package io.normdrop.nn;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * What the parameter layouts of the weight-normalized layers share: the keys direction
 * {@value #DIRECTION_KEY}, gain {@value #GAIN_KEY} and bias {@value #BIAS_KEY} (when the layer has
 * one), in that flat order; only V is a weight for regularization (L1/L2 decay shrinks the
 * direction, which the normalization then ignores in scale; decaying g would shrink the effective
 * weights themselves, and DL4J does not decay biases either). Subclasses give the shapes.
 */
abstract class WeightNormParams implements ParamInitializer {
    /** Direction V. */
    public static final String DIRECTION_KEY = "V";
    /** Gain g [1, nOut]. */
    public static final String GAIN_KEY = "g";
    /** Bias b [1, nOut]. */
    public static final String BIAS_KEY = "b";

    /** Whether {@code layer} has a bias parameter. */
    abstract boolean hasBias(Layer layer);

    /** Views of the flat [1, N] (or [N]) array in parameter order. */
    abstract Map<String, INDArray> views(Layer layer, INDArray flat);

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
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
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return views(conf.getLayer(), gradientView);
    }

    static INDArray slice(INDArray flat, long from, long to) {
        return flat.rank() == 1 ? flat.get(NDArrayIndex.interval(from, to))
                : flat.get(NDArrayIndex.interval(0, 0, true), NDArrayIndex.interval(from, to));
    }
}
