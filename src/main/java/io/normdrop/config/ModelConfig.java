package io.normdrop.config;

import java.util.List;

/**
 * The network: a stack of layers whose last one is the output layer. The input size comes
 * from the data (rows x columns of the images).
 *
 * @param layers at least one layer; exactly the last is of kind output
 */
public record ModelConfig(List<LayerSpec> layers) {
    public ModelConfig {
        if (layers == null || layers.isEmpty()) {
            throw new ConfigException("model.layers", "needs at least one layer, the last of type output");
        }
        layers = List.copyOf(layers);
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec layer = layers.get(i);
            if (layer.index() != i) {
                throw new ConfigException(LayerSpec.key(i), "layer index " + layer.index() + " out of order");
            }
            boolean last = i == layers.size() - 1;
            if (last && layer.kind() != LayerKind.OUTPUT) {
                throw ConfigException.invalid(layer.key() + ".type", layer.kind().jobName(),
                        "the last layer must be of type output");
            }
            if (!last && layer.kind() == LayerKind.OUTPUT) {
                throw ConfigException.invalid(layer.key() + ".type", layer.kind().jobName(),
                        "only the last layer may be of type output");
            }
        }
    }

    /** Number of classes the network predicts: the output layer's units. */
    public int numClasses() {
        return layers.get(layers.size() - 1).units();
    }
}
