package io.normdrop.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The network: a stack of layers whose last one is the output layer; the input size comes from
 * the data. The components are the values of the keys under {@code model}, declared below.
 */
public record ModelConfig(List<LayerSpec> layers, DataInit dataInit) {
    /** {@code model.layers}: a list of layer objects, each with the keys of {@link LayerSpec#KEYS}. */
    static final String LAYERS = "model.layers";
    static final String LAYERS_MEANING = "Layers from input to output; the last one is an output layer. Each layer "
            + "is an object with these keys:";

    /**
     * Data-dependent initialization of the weight-norm layers (Salimans &amp; Kingma): the values
     * of the keys under {@code model.dataInit}.
     */
    public record DataInit(boolean enabled, int examples) {
        static final Key<Boolean> ENABLED = Key.bool("model.dataInit.enabled", false, """
                Whether to run it: computed on the driver from the first `examples` training examples before \
                distributed training: g = 1/σ(t), b = −μ(t)/σ(t) for t = x·v/‖v‖, so every unit starts with \
                zero-mean, unit-variance pre-activations.""");
        static final Key<Integer> EXAMPLES = Key.integer("model.dataInit.examples", 1024,
                "Training examples the initialization sees.", Rules.atLeast(2));

        public DataInit {
            EXAMPLES.check(examples);
        }

        static DataInit from(Config c) {
            return new DataInit(ENABLED.read(c), EXAMPLES.read(c));
        }
    }

    public ModelConfig {
        if (dataInit == null) {
            throw new ConfigException("model.dataInit", "is required");
        }
        if (layers == null || layers.isEmpty()) {
            throw new ConfigException(LAYERS, "needs at least one layer, the last of type output");
        }
        if (dataInit.enabled() && layers.stream().noneMatch(l -> l.kind().isWeightNorm())) {
            throw new ConfigException(DataInit.ENABLED.path(),
                    "needs at least one weightnorm-dense, weightnorm-conv2d or weightnorm-output layer");
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
            if (layer.kind().isSpatial() && i > 0 && !layers.get(i - 1).kind().isSpatial()) {
                throw ConfigException.invalid(layer.key() + ".type", layer.kind().jobName(),
                        "conv2d, weightnorm-conv2d and subsampling layers come first, before "
                                + layers.get(i - 1).key() + " (" + layers.get(i - 1).kind().jobName() + ")");
            }
        }
    }

    static ModelConfig from(Config c) {
        List<? extends ConfigObject> list;
        try {
            list = c.getObjectList(LAYERS);
        } catch (com.typesafe.config.ConfigException.WrongType e) {
            throw ConfigException.invalid(LAYERS, c.getValue(LAYERS).unwrapped(), "a list of layer objects");
        }
        List<LayerSpec> layers = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            layers.add(LayerSpec.from(list.get(i).toConfig(), i));
        }
        return new ModelConfig(layers, DataInit.from(c));
    }

    /** Whether the network works on images: its first layer is conv2d, weightnorm-conv2d or subsampling. */
    public boolean takesImages() {
        return layers.get(0).kind().isSpatial();
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
        List<LayerSpec> out = new ArrayList<>(layers);
        out.add(out.remove(out.size() - 1).withUnits(classes));
        return new ModelConfig(out, dataInit);
    }
}
