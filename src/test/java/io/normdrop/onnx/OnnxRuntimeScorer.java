package io.normdrop.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.nio.FloatBuffer;
import java.util.Map;

/**
 * An exported model loaded into ONNX Runtime (its Java API, CPU provider), scoring float rows as
 * a Java serving process would: one session, one run per batch.
 */
public final class OnnxRuntimeScorer implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    public OnnxRuntimeScorer(byte[] model, int threads) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        this.session = env.createSession(model, options);
    }

    /** The class probabilities of {@code n} rows of {@code features} values each, row after row. */
    public float[] probabilities(float[] rows, int n, int features) throws OrtException {
        try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(rows, 0, n * features), new long[]{n, features});
             OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
            OnnxTensor out = (OnnxTensor) result.get(OnnxExport.OUTPUT).orElseThrow();
            FloatBuffer buffer = out.getFloatBuffer();
            float[] p = new float[buffer.remaining()];
            buffer.get(p);
            return p;
        }
    }

    /** The shape of input or output {@code name} as the model declares it (-1 for a dynamic dimension). */
    public long[] shape(String name) throws OrtException {
        Map<String, NodeInfo> info = name.equals(OnnxExport.INPUT) ? session.getInputInfo() : session.getOutputInfo();
        return ((TensorInfo) info.get(name).getInfo()).getShape();
    }

    public Map<String, String> metadata() throws OrtException {
        return session.getMetadata().getCustomMetadata();
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
