package io.normdrop.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValueType;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * One layer of the network, in order from input to output: an element of {@code model.layers},
 * whose keys ({@link #KEYS}, relative to the element) are declared below.
 *
 * @param index position in {@code model.layers}, from 0; names the layer in messages
 * @param units   output units, or a convolution's output channels (job key {@code channels}); for an
 *                output layer {@link #UNITS_FROM_DATA} means the number of classes of the data; 0 for
 *                subsampling
 * @param loss    null for hidden layers
 * @param window  kernel, stride, mode (and pooling) of a conv2d, weightnorm-conv2d or subsampling
 *                layer; null for the others
 */
public record LayerSpec(int index, LayerKind kind, int units, Activation activation, WeightInit weightInit,
                        Dropout dropout, LossFunction loss, Window window) {
    /** Units of an output layer that takes the number of classes from the data. */
    public static final int UNITS_FROM_DATA = 0;

    static final Key<LayerKind> TYPE = Key.oneOf("type", LayerKind.class, null,
            "dense | output | weightnorm-dense | weightnorm-output | conv2d | weightnorm-conv2d | subsampling "
                    + "(weightnorm-*: w = g·v/‖v‖ per unit or output channel, Salimans & Kingma 2016; L1/L2 apply to "
                    + "v only; conv2d and subsampling layers need images, see data.shape, and come before the "
                    + "dense ones). Required.");
    static final Key<Integer> UNITS = Key.integer("units", UNITS_FROM_DATA,
            "Output units. Required for hidden layers; an output layer without units predicts the data's classes.",
            Rules.atLeast(1));
    static final Key<Integer> CHANNELS = Key.integer("channels", 0,
            "Output channels (feature maps) of a conv2d or weightnorm-conv2d layer. Required for them.",
            Rules.atLeast(1));
    static final Key<List<Integer>> KERNEL = Key.optionalIntegers("kernel",
            "[height, width] of a conv2d, weightnorm-conv2d or subsampling window; default [3, 3] for "
                    + "convolutions, [2, 2] for subsampling.", Rules.sizes(2));
    static final Key<List<Integer>> STRIDE = Key.optionalIntegers("stride",
            "[down, across] steps of the window; default [1, 1] for convolutions, the kernel for subsampling.",
            Rules.sizes(2));
    static final Key<Window.Mode> MODE = Key.oneOf("mode", Window.Mode.class, Window.Mode.TRUNCATE,
            "Window padding: truncate = none, a last window that does not fit is dropped (DL4J's default; "
                    + "Keras 'valid') | same = zero padding so the output is ceil(input / stride) (Keras 'same') "
                    + "| strict = none, and the window must tile the input exactly.");
    static final Key<Window.Pooling> POOLING = Key.oneOf("pooling", Window.Pooling.class, Window.Pooling.MAX,
            "max | avg: what a subsampling layer takes of each window.");
    static final Key<Activation> ACTIVATION = Key.oneOf("activation", Activation.class, null,
            "relu (hidden default) | softmax (output default) | tanh | sigmoid | identity | leakyrelu | elu | "
                    + "selu | gelu | swish | ... (DL4J's Activation names).");
    static final Key<WeightInit> WEIGHT_INIT = Key.oneOf("weightInit", WeightInit.class, WeightInit.XAVIER,
            "xavier | relu | uniform | normal | ... (DL4J's WeightInit names).");
    static final Key<Double> KEEP = Key.optionalNumber("dropout.keep",
            "Dropout on this layer's INPUT, in training only: the retain probability (0 < keep <= 1). "
                    + "keep = 1 builds no dropout.", Dropout.KEEP);
    static final Key<Double> RATE = Key.optionalNumber("dropout.rate",
            "The same as a drop probability, rate = 1 - keep (0 <= rate < 1); give keep or rate, not both.",
            Dropout.RATE);
    static final Key<LossFunction> LOSS = Key.oneOf("loss", LossFunction.class, null,
            "mcxent (output default) | negativeloglikelihood | mse | ... (DL4J's LossFunction names); output "
                    + "layers only.");
    /** The keys of a layer object, relative to it. */
    static final List<Key<?>> KEYS = List.of(TYPE, UNITS, CHANNELS, KERNEL, STRIDE, MODE, POOLING, ACTIVATION,
            WEIGHT_INIT, KEEP, RATE, LOSS);
    /** The names a layer object may hold: its keys' first segments ({@code dropout} for dropout.keep). */
    static final Set<String> NAMES = KEYS.stream().map(k -> k.path().split("\\.")[0]).collect(Collectors.toSet());

    /**
     * The window of a conv2d, weightnorm-conv2d or subsampling layer.
     *
     * @param kernel  [height, width]
     * @param stride  [down, across]
     * @param pooling null for convolutions
     */
    public record Window(List<Integer> kernel, List<Integer> stride, Mode mode, Pooling pooling) {
        /** Padding of the window (DL4J's ConvolutionMode). */
        public enum Mode implements JobFileName {
            TRUNCATE, SAME, STRICT
        }

        /** What subsampling takes of a window (DL4J's PoolingType). */
        public enum Pooling implements JobFileName {
            MAX, AVG
        }

        public Window {
            if (kernel == null || stride == null) {
                throw new ConfigException("kernel", "a window needs its kernel and stride");
            }
            kernel = List.copyOf(KERNEL.check(kernel));
            stride = List.copyOf(STRIDE.check(stride));
            MODE.check(mode);
        }
    }

    public LayerSpec {
        String key = key(index);
        if (kind == null) {
            throw new ConfigException(key + ".type", "is required (" + kinds() + ")");
        }
        if (kind.isConvolution()) {
            CHANNELS.check(key + ".channels", units);
        } else if (kind == LayerKind.SUBSAMPLING) {
            if (units != 0) {
                throw ConfigException.invalid(key + ".units", units, "a subsampling layer keeps its input's channels");
            }
        } else if (!kind.isOutput() || units != UNITS_FROM_DATA) {
            UNITS.check(key + ".units", units);
        }
        if (kind.isSpatial() != (window != null)) {
            throw new ConfigException(key + ".kernel", kind.isSpatial() ? "is required for a " + kind.jobName() + " layer"
                    : "only conv2d, weightnorm-conv2d and subsampling layers have a window");
        }
        if (window != null && (kind == LayerKind.SUBSAMPLING) != (window.pooling() != null)) {
            throw new ConfigException(key + ".pooling", "only a subsampling layer pools");
        }
        ACTIVATION.check(key + ".activation", activation);
        if (activation == null) {
            throw new ConfigException(key + ".activation", "is required");
        }
        WEIGHT_INIT.check(key + ".weightInit", weightInit);
        if (dropout == null) {
            throw new ConfigException(key + ".dropout", "is required (Dropout.none() for no dropout)");
        }
        if (kind.isOutput() && loss == null) {
            throw new ConfigException(key + ".loss", "is required for an output layer");
        }
        if (!kind.isOutput() && loss != null) {
            throw new ConfigException(key + ".loss", "only an output layer has a loss");
        }
    }

    /** The layer object at {@code index} of {@code model.layers}, with its kind's defaults. */
    static LayerSpec from(Config c, int index) {
        String key = key(index);
        LayerKind kind = TYPE.read(c, TYPE.path(), key + ".type");
        if (kind == null) {
            throw new ConfigException(key + ".type", "is required (" + kinds() + ")");
        }
        for (String name : c.root().keySet()) {
            if (!kind.keys().contains(name)) {
                throw new ConfigException(key + "." + name, "a " + kind.jobName() + " layer has no " + name + " (it takes "
                        + String.join(", ", new TreeSet<>(kind.keys())) + ")");
            }
        }
        Key<Integer> size = kind.isConvolution() ? CHANNELS : UNITS;
        if (!c.hasPath(size.path()) && !kind.isOutput() && kind != LayerKind.SUBSAMPLING) {
            throw new ConfigException(key + "." + size.path(), kind.isConvolution()
                    ? "is required (number of output channels)" : "is required (number of output units)");
        }
        int units = c.hasPath(size.path()) ? size.read(c, size.path(), key + "." + size.path()) : UNITS_FROM_DATA;
        Activation activation = ACTIVATION.read(c, ACTIVATION.path(), key + ".activation");
        LossFunction loss = LOSS.read(c, LOSS.path(), key + ".loss");
        return new LayerSpec(index, kind, units, activation == null ? kind.defaultActivation() : activation,
                WEIGHT_INIT.read(c, WEIGHT_INIT.path(), key + ".weightInit"), dropout(c, key),
                loss == null ? kind.defaultLoss() : loss, kind.isSpatial() ? window(c, key, kind) : null);
    }

    /** The window of a spatial layer, with its kind's defaults. */
    private static Window window(Config c, String key, LayerKind kind) {
        boolean pool = kind == LayerKind.SUBSAMPLING;
        List<Integer> kernel = KERNEL.read(c, KERNEL.path(), key + ".kernel");
        kernel = kernel != null ? kernel : pool ? List.of(2, 2) : List.of(3, 3);
        List<Integer> stride = STRIDE.read(c, STRIDE.path(), key + ".stride");
        return new Window(kernel, stride != null ? stride : pool ? kernel : List.of(1, 1),
                MODE.read(c, MODE.path(), key + ".mode"), pool ? POOLING.read(c, POOLING.path(), key + ".pooling") : null);
    }

    private static String kinds() {
        return Arrays.stream(LayerKind.values()).map(LayerKind::jobName).collect(Collectors.joining(", "));
    }

    private static Dropout dropout(Config c, String key) {
        if (!c.hasPath("dropout")) {
            return Dropout.none();
        }
        if (c.getValue("dropout").valueType() != ConfigValueType.OBJECT) {
            throw ConfigException.invalid(key + ".dropout", c.getValue("dropout").unwrapped(),
                    "an object: { keep = P } or { rate = R }");
        }
        for (String name : ((ConfigObject) c.getValue("dropout")).keySet()) {
            if (!name.equals("keep") && !name.equals("rate")) {
                throw new ConfigException(key + ".dropout." + name, "unknown key (dropout takes keep or rate)");
            }
        }
        Double keep = KEEP.read(c, KEEP.path(), key + "." + KEEP.path());
        Double rate = RATE.read(c, RATE.path(), key + "." + RATE.path());
        if (keep != null && rate != null) {
            throw new ConfigException(key + ".dropout", "give keep or rate, not both (rate = 1 - keep)");
        }
        if (keep == null && rate == null) {
            throw new ConfigException(key + ".dropout", "give keep (retain probability) or rate (drop probability)");
        }
        return keep != null ? Dropout.ofKeep(key + ".dropout.keep", keep) : Dropout.ofRate(key + ".dropout.rate", rate);
    }

    /** The job key of the layer at {@code index}: {@code model.layers[index]}. */
    public static String key(int index) {
        return "model.layers[" + index + "]";
    }

    public String key() {
        return key(index);
    }

    /** The same layer with {@code units} output units. */
    LayerSpec withUnits(int units) {
        return new LayerSpec(index, kind, units, activation, weightInit, dropout, loss, window);
    }
}
