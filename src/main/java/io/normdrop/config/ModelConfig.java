package io.normdrop.config;

import java.util.List;

/**
 * The network: a stack of layers whose last one is the output layer. The input size comes
 * from the data (rows x columns of the images).
 *
 * @param layers   at least one layer; exactly the last is an output layer
 * @param dataInit data-dependent initialization of the weight-norm layers (Salimans &amp; Kingma):
 *                 computed on the driver from the first examples of the training set
 */
public record ModelConfig(List<LayerSpec> layers, DataInit dataInit) {
    /**
     * Data-dependent initialization of weight-normalized layers: with V drawn as usual, each
     * layer in turn sees the sample's activations t = x·v/‖v‖ and gets g = 1/σ(t), b = −μ(t)/σ(t),
     * so its pre-activations start with zero mean and unit variance per unit.
     *
     * @param enabled  whether to do it (default false)
     * @param examples training examples used (>= 2, default 1024)
     */
    public record DataInit(boolean enabled, int examples) {
        public DataInit {
            Checks.atLeast("model.dataInit.examples", examples, 2);
        }

        public static DataInit off() {
            return new DataInit(false, 1024);
        }
    }

    public ModelConfig {
        if (dataInit == null) {
            throw new ConfigException("model.dataInit", "is required");
        }
        if (dataInit.enabled() && layers != null && layers.stream().noneMatch(l -> l.kind().isWeightNorm())) {
            throw new ConfigException("model.dataInit.enabled", "needs at least one weightnorm-dense or weightnorm-output layer");
        }
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
            if (last && !layer.kind().isOutput()) {
                throw ConfigException.invalid(layer.key() + ".type", layer.kind().jobName(),
                        "the last layer must be of type output or weightnorm-output");
            }
            if (!last && layer.kind().isOutput()) {
                throw ConfigException.invalid(layer.key() + ".type", layer.kind().jobName(),
                        "only the last layer may be an output layer");
            }
        }
    }

    /**
     * Number of classes the network predicts: the output layer's units, or
     * {@link LayerSpec#UNITS_FROM_DATA} when they come from the data.
     */
    public int numClasses() {
        return layers.get(layers.size() - 1).units();
    }

    /**
     * The model for data with {@code classes} classes: this one when the output layer gives its
     * units, else the same with the output layer predicting {@code classes}.
     */
    public ModelConfig forDataClasses(int classes) {
        return numClasses() == LayerSpec.UNITS_FROM_DATA ? withClasses(classes) : this;
    }

    /** The same model with the output layer predicting {@code classes} classes. */
    public ModelConfig withClasses(int classes) {
        List<LayerSpec> out = new java.util.ArrayList<>(layers);
        LayerSpec last = out.remove(out.size() - 1);
        out.add(new LayerSpec(last.index(), last.kind(), classes, last.activation(), last.weightInit(), last.dropout(),
                last.loss()));
        return new ModelConfig(out, dataInit);
    }
}
