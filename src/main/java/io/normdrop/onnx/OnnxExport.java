package io.normdrop.onnx;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.normdrop.config.DataFormat;
import io.normdrop.data.FeatureScaler;
import io.normdrop.nn.WeightNormFolding;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.StringStringEntryProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.TypeProto;
import onnx.Onnx.ValueInfoProto;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.normdrop.onnx.OnnxGraph.attribute;
import static io.normdrop.onnx.OnnxGraph.ints;

/**
 * A trained network as an ONNX model (opset {@value #OPSET}) that scores rows as they are in the
 * data files: input {@value #INPUT} [batch, features] (float), output {@value #OUTPUT} [batch,
 * classes]. The graph first does what Normdrop does to a row before the network (IDX pixels
 * divided by 255, the model's feature scaling, the reshape into an image for conv nets), then
 * every layer as the standard operators it computes at inference (no dropout): Gemm for dense
 * and output layers, Conv, MaxPool and AveragePool with DL4J's padding made explicit, Flatten
 * between the two, and the activations ({@link OnnxActivations}). Weight-norm layers are folded
 * first (W = g·v/‖v‖). Anything else is refused by name, never approximated.
 */
public final class OnnxExport {
    /** The ONNX operator set the graph uses. */
    public static final int OPSET = 13;
    /** ONNX IR version 7, the first that opset 13 runs under. */
    static final int IR_VERSION = 7;
    public static final String INPUT = "features";
    public static final String OUTPUT = "probabilities";

    private OnnxExport() {
    }

    /**
     * What is done to a raw row before the network.
     *
     * @param divisor every value is first divided by it: 255 for IDX pixels (read as intensities
     *                0..1), 1 for rows read as they are
     * @param scaler  the model's feature scaling after that; null for none
     */
    public record Input(float divisor, FeatureScaler scaler) {
        public static final Input RAW = new Input(1f, null);

        /** What Normdrop does to a row of {@code format}: IDX pixels become intensities 0..1, then the scaling. */
        public static Input of(DataFormat format, FeatureScaler scaler) {
            return new Input(format == DataFormat.IDX ? 255f : 1f, scaler);
        }

        /** What a caller feeds, in words (the model's {@value #INPUT_PROPERTY} property). */
        String describe() {
            return (divisor == 255f ? "IDX pixel intensities 0..255" : "feature values") + " as in the data files, one row "
                    + "per example" + (scaler == null ? "" : "; the graph applies the model's " + scaler.kind().jobName()
                    + " scaling");
        }
    }

    /** Metadata property names. */
    public static final String CLASSES_PROPERTY = "normdrop.classes";
    public static final String RUN_PROPERTY = "normdrop.run_id";
    public static final String CONFIG_DIGEST_PROPERTY = "normdrop.config_digest";
    public static final String DATA_DIGEST_PROPERTY = "normdrop.data_digest";
    public static final String INPUT_PROPERTY = "normdrop.input";

    /**
     * The model's metadata properties: the class names by class (a JSON array; absent when the
     * classes have none), the run id, the config and data digests of its provenance (each absent
     * when unknown), and what the input is.
     */
    public static Map<String, String> metadata(List<String> classNames, String runId, String configDigest,
                                               String dataDigest, Input input) {
        Map<String, String> m = new LinkedHashMap<>();
        if (!classNames.isEmpty()) {
            try {
                m.put(CLASSES_PROPERTY, new ObjectMapper().writeValueAsString(classNames));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        putIfKnown(m, RUN_PROPERTY, runId);
        putIfKnown(m, CONFIG_DIGEST_PROPERTY, configDigest);
        putIfKnown(m, DATA_DIGEST_PROPERTY, dataDigest);
        m.put(INPUT_PROPERTY, input.describe());
        return m;
    }

    private static void putIfKnown(Map<String, String> m, String key, String value) {
        if (value != null && !value.isBlank()) {
            m.put(key, value);
        }
    }

    /**
     * The ONNX model of {@code network}, serialized.
     *
     * @param metadata the model's metadata properties, in order
     * @throws UnsupportedModelException for a layer, preprocessor or activation it cannot write
     */
    public static byte[] toBytes(MultiLayerNetwork network, Input input, Map<String, String> metadata, String producerVersion) {
        MultiLayerNetwork net = WeightNormFolding.hasWeightNorm(network.getLayerWiseConfigurations())
                ? WeightNormFolding.fold(network) : network;
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        GraphProto.Builder graph = GraphProto.newBuilder().setName("normdrop");
        OnnxGraph g = new OnnxGraph(graph);
        long features = features(conf);
        String x = INPUT;
        if (input.divisor() != 1f) {
            x = g.node("Div", "pixels", List.of(x, g.scalar("divisor", input.divisor())));
        }
        if (input.scaler() != null) {
            float[] shift = input.scaler().shift();
            if (shift.length != features) {
                throw new UnsupportedModelException("the model's scaling has " + shift.length + " features, its network "
                        + features);
            }
            x = g.node("Sub", "shifted", List.of(x, g.floats("shift", new long[]{shift.length}, shift)));
            x = g.node("Div", "scaled", List.of(x, g.floats("scale", new long[]{shift.length}, input.scaler().scale())));
        }
        long[] image = null;
        for (int i = 0; i < conf.getConfs().size(); i++) {
            String where = "layer " + i;
            InputPreProcessor pre = conf.getInputPreProcess(i);
            if (pre instanceof FeedForwardToCnnPreProcessor p) {
                image = new long[]{p.getNumChannels(), p.getInputHeight(), p.getInputWidth()};
                x = g.node("Reshape", "image", List.of(x, g.longs("image_shape", -1, image[0], image[1], image[2])));
            } else if (pre instanceof CnnToFeedForwardPreProcessor p) {
                if (p.getFormat() != CNN2DFormat.NCHW) {
                    throw new UnsupportedModelException(where + ": flattens " + p.getFormat() + " images; only NCHW is exported");
                }
                x = g.node("Flatten", "flat", x, attribute("axis", 1L));
                image = null;
            } else if (pre != null) {
                throw new UnsupportedModelException(where + ": input preprocessor " + pre.getClass().getSimpleName()
                        + " has no ONNX export");
            }
            Layer layer = conf.getConf(i).getLayer();
            org.deeplearning4j.nn.api.Layer trained = net.getLayer(i);
            if ((layer.getClass() == DenseLayer.class || layer.getClass() == OutputLayer.class) && image == null) {
                FeedForwardLayer dense = (FeedForwardLayer) layer;
                List<String> in = new ArrayList<>(List.of(x, weights(g, trained.getParam("W"), "W" + i)));
                if (trained.paramTable().containsKey("b")) {
                    in.add(g.floats("b" + i, new long[]{dense.getNOut()}, floats(trained.getParam("b"))));
                }
                x = activation(g, dense, g.node("Gemm", "dense" + i, in), where);
            } else if (layer.getClass() == ConvolutionLayer.class && image != null) {
                ConvolutionLayer conv = (ConvolutionLayer) layer;
                requireNchw(where, conv.getCnn2dDataFormat());
                Window w = Window.of(where, conv.getConvolutionMode(), conv.getKernelSize(), conv.getStride(),
                        conv.getPadding(), conv.getDilation(), image);
                List<String> in = new ArrayList<>(List.of(x, weights(g, trained.getParam("W"), "W" + i)));
                if (trained.paramTable().containsKey("b")) {
                    in.add(g.floats("b" + i, new long[]{conv.getNOut()}, floats(trained.getParam("b"))));
                }
                x = activation(g, conv, g.node("Conv", "conv" + i, in, ints("kernel_shape", w.kernel()),
                        ints("strides", w.strides()), ints("pads", w.pads()), ints("dilations", w.dilations())), where);
                image = new long[]{conv.getNOut(), w.outHeight(), w.outWidth()};
            } else if (layer.getClass() == SubsamplingLayer.class && image != null) {
                SubsamplingLayer pool = (SubsamplingLayer) layer;
                requireNchw(where, pool.getCnn2dDataFormat());
                Window w = Window.of(where, pool.getConvolutionMode(), pool.getKernelSize(), pool.getStride(),
                        pool.getPadding(), pool.getDilation(), image);
                x = pool(g, pool, w, x, where, i);
                image = new long[]{image[0], w.outHeight(), w.outWidth()};
            } else {
                throw new UnsupportedModelException(where + ": " + layer.getClass().getSimpleName()
                        + (image == null ? "" : " on images") + " has no ONNX export (dense, output, conv2d and "
                        + "subsampling layers have)");
            }
        }
        g.nameLastOutput(OUTPUT);
        long classes = net.layerSize(net.getnLayers() - 1);
        graph.addInput(value(INPUT, features)).addOutput(value(OUTPUT, classes));
        ModelProto.Builder model = ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("normdrop")
                .setProducerVersion(producerVersion).setDomain("io.normdrop").setModelVersion(1)
                .setDocString("Normdrop model: " + INPUT + " [batch, " + features + "] raw rows as in the data files -> "
                        + OUTPUT + " [batch, " + classes + "]")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET)).setGraph(graph);
        metadata.forEach((k, v) -> model.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return model.build().toByteArray();
    }

    /** Features of a row: the first layer's inputs, or the pixels of the image its preprocessor makes. */
    private static long features(MultiLayerConfiguration conf) {
        if (conf.getInputPreProcess(0) instanceof FeedForwardToCnnPreProcessor image) {
            return image.getNumChannels() * image.getInputHeight() * image.getInputWidth();
        }
        if (conf.getConf(0).getLayer() instanceof FeedForwardLayer first) {
            return first.getNIn();
        }
        throw new UnsupportedModelException("layer 0: " + conf.getConf(0).getLayer().getClass().getSimpleName()
                + " takes no feature rows; the export needs a dense or an image-reshaped first layer");
    }

    private static String pool(OnnxGraph g, SubsamplingLayer pool, Window w, String x, String where, int i) {
        PoolingType type = pool.getPoolingType();
        if (type == PoolingType.MAX) {
            return g.node("MaxPool", "maxpool" + i, x, ints("kernel_shape", w.kernel()), ints("strides", w.strides()),
                    ints("pads", w.pads()), ints("dilations", w.dilations()));
        }
        if (type == PoolingType.AVG && w.dilations()[0] == 1 && w.dilations()[1] == 1) {
            // libnd4j's avgpool2d divides by the window's cells inside the image unless told to count padding.
            return g.node("AveragePool", "avgpool" + i, x, ints("kernel_shape", w.kernel()), ints("strides", w.strides()),
                    ints("pads", w.pads()), attribute("count_include_pad", pool.isAvgPoolIncludePadInDivisor() ? 1L : 0L));
        }
        throw new UnsupportedModelException(where + ": " + type + " pooling" + (type == PoolingType.AVG ? " with dilation" : "")
                + " has no ONNX export (max and avg pooling have)");
    }

    private static String activation(OnnxGraph g, BaseLayer layer, String x, String where) {
        return OnnxActivations.apply(g, layer.getActivationFn(), x, where);
    }

    private static void requireNchw(String where, CNN2DFormat format) {
        if (format != CNN2DFormat.NCHW) {
            throw new UnsupportedModelException(where + ": " + format + " images; only NCHW is exported");
        }
    }

    /** A weight array as a constant of its own shape, row-major. */
    private static String weights(OnnxGraph g, INDArray w, String name) {
        return g.floats(name, w.shape(), floats(w));
    }

    private static float[] floats(INDArray a) {
        return a.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }

    private static ValueInfoProto value(String name, long width) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape))).build();
    }

    /**
     * A convolution or pooling window over an image as ONNX states it: DL4J's convolution mode
     * turned into explicit pads [top, left, bottom, right]. Same: the output is ⌈in / stride⌉ and
     * the padding it needs goes ⌊half⌋ before and the rest after (DL4J's and libnd4j's rule);
     * truncate and strict: the configured padding on both sides, the output rounded down.
     */
    record Window(long[] kernel, long[] strides, long[] pads, long[] dilations, long outHeight, long outWidth) {
        static Window of(String where, ConvolutionMode mode, int[] kernel, int[] stride, int[] padding, int[] dilation,
                         long[] image) {
            long[] out = new long[2];
            long[] pads = new long[4];
            for (int d = 0; d < 2; d++) {
                long in = image[1 + d];
                long effective = (long) (kernel[d] - 1) * dilation[d] + 1;
                if (mode == ConvolutionMode.Same) {
                    out[d] = (in + stride[d] - 1) / stride[d];
                    long total = Math.max(0, (out[d] - 1) * stride[d] + effective - in);
                    pads[d] = total / 2;
                    pads[d + 2] = total - total / 2;
                } else if (mode == ConvolutionMode.Truncate || mode == ConvolutionMode.Strict) {
                    out[d] = (in + 2L * padding[d] - effective) / stride[d] + 1;
                    pads[d] = padding[d];
                    pads[d + 2] = padding[d];
                } else {
                    throw new UnsupportedModelException(where + ": convolution mode " + mode + " has no ONNX export");
                }
                if (out[d] < 1) {
                    throw new UnsupportedModelException(where + ": a window larger than its " + in + "-pixel input");
                }
            }
            return new Window(new long[]{kernel[0], kernel[1]}, new long[]{stride[0], stride[1]}, pads,
                    new long[]{dilation[0], dilation[1]}, out[0], out[1]);
        }
    }
}
