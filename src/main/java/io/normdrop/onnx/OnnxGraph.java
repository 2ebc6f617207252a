package io.normdrop.onnx;

import com.google.protobuf.ByteString;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.TensorProto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * An ONNX graph as it is built, node after node: each node gets a fresh output name, constants
 * become initializers (little-endian raw data, as the ONNX spec stores them).
 */
final class OnnxGraph {
    private final GraphProto.Builder graph;
    private int names;

    OnnxGraph(GraphProto.Builder graph) {
        this.graph = graph;
    }

    /** A float constant of shape {@code dims} (row-major {@code values}); its name. */
    String floats(String hint, long[] dims, float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return constant(hint, TensorProto.DataType.FLOAT, dims, bytes);
    }

    /** A float scalar constant; its name. */
    String scalar(String hint, float value) {
        return floats(hint, new long[0], new float[]{value});
    }

    /** An int64 vector constant; its name. */
    String longs(String hint, long... values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asLongBuffer().put(values);
        return constant(hint, TensorProto.DataType.INT64, new long[]{values.length}, bytes);
    }

    private String constant(String hint, TensorProto.DataType type, long[] dims, ByteBuffer bytes) {
        String name = fresh(hint);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.getNumber())
                .setRawData(ByteString.copyFrom(bytes.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return name;
    }

    /** Adds node {@code op} on {@code inputs} (an empty name skips an optional input); its output's name. */
    String node(String op, String hint, List<String> inputs, AttributeProto... attributes) {
        String out = fresh(hint);
        graph.addNode(NodeProto.newBuilder().setOpType(op).setName(out).addAllInput(inputs).addOutput(out)
                .addAllAttribute(List.of(attributes)));
        return out;
    }

    String node(String op, String hint, String input, AttributeProto... attributes) {
        return node(op, hint, List.of(input), attributes);
    }

    /** Renames the last node's output to {@code name} (the graph's output). */
    void nameLastOutput(String name) {
        int last = graph.getNodeCount() - 1;
        graph.setNode(last, graph.getNode(last).toBuilder().setOutput(0, name));
    }

    static AttributeProto attribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto attribute(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private String fresh(String hint) {
        return hint + "_" + names++;
    }
}
