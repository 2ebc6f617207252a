package io.normdrop.config;

import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * One layer of the network, in order from input to output.
 *
 * @param index      position in {@code model.layers}, from 0; names the layer in messages
 * @param kind       dense, output, weightnorm-dense or weightnorm-output
 * @param units      number of output units (>= 1); for an output layer {@link #UNITS_FROM_DATA}
 *                   (units not given) means the number of classes of the data
 * @param activation activation function (default relu for dense, softmax for output)
 * @param weightInit weight initialization scheme (default xavier)
 * @param dropout    dropout on this layer's input; {@link Dropout#none()} by default
 * @param loss       loss function; required for output layers, absent (null) for dense ones
 */
public record LayerSpec(int index, LayerKind kind, int units, Activation activation, WeightInit weightInit,
                        Dropout dropout, LossFunction loss) {
    /** Units of an output layer that takes the number of classes from the data. */
    public static final int UNITS_FROM_DATA = 0;

    public LayerSpec {
        String key = key(index);
        Checks.atLeast(key + ".units", units, kind != null && kind.isOutput() && units == UNITS_FROM_DATA ? 0 : 1);
        if (activation == null) {
            throw new ConfigException(key + ".activation", "is required");
        }
        if (weightInit == null) {
            throw new ConfigException(key + ".weightInit", "is required");
        }
        if (dropout == null) {
            throw new ConfigException(key + ".dropout", "is required (use Dropout.none())");
        }
        if (kind.isOutput() && loss == null) {
            throw new ConfigException(key + ".loss", "is required for an output layer");
        }
        if (!kind.isOutput() && loss != null) {
            throw new ConfigException(key + ".loss", "only an output layer has a loss");
        }
    }

    /** The job key of the layer at {@code index}: {@code model.layers[index]}. */
    public static String key(int index) {
        return "model.layers[" + index + "]";
    }

    public String key() {
        return key(index);
    }
}
