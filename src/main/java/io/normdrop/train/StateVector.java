package io.normdrop.train;

import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A network's parameters and updater state as one float vector, copied between the network's
 * off-heap arrays and two reused Java arrays, used in turn: each {@link #read} fills the one
 * the previous round did not, so the vector a round ended with (its average, which
 * {@link RoundRecovery} keeps without copying) stays intact through the next round. A round
 * allocates nothing.
 */
final class StateVector {
    private final FloatPointer params;
    private final FloatPointer state;
    private final INDArray stateArray;
    private final int paramCount;
    private final float[][] vs;
    private float[] v;

    StateVector(MultiLayerNetwork net) {
        INDArray p = net.params();
        INDArray s = net.getUpdater() == null ? null : net.getUpdater().getStateViewArray();
        this.params = pointer(p);
        this.state = s == null ? null : pointer(s);
        this.stateArray = s;
        this.paramCount = (int) p.length();
        int length = paramCount + (s == null ? 0 : (int) s.length());
        this.vs = new float[][]{new float[length], new float[length]};
        this.v = vs[1];
    }

    private static FloatPointer pointer(INDArray a) {
        if (a.dataType() != DataType.FLOAT || a.isView() && a.length() != a.data().length() || a.ordering() != 'c') {
            throw new IllegalStateException("expected a whole float array in c order, got " + a.shapeInfoToString());
        }
        return (FloatPointer) a.data().addressPointer();
    }

    /** The network's current parameters and state, in the shared vector. */
    float[] read() {
        v = v == vs[0] ? vs[1] : vs[0];
        params.get(v, 0, paramCount);
        if (state != null) {
            state.get(v, paramCount, v.length - paramCount);
        }
        return v;
    }

    /** The shared vector as last read or written. */
    float[] values() {
        return v;
    }

    /** Length of the shared vector: parameters, then updater state. */
    int length() {
        return v.length;
    }

    /** Zeroes the network's updater state. */
    void resetUpdater() {
        if (stateArray != null) {
            stateArray.assign(0);
        }
    }

    /** Puts the shared vector back into the network. */
    void write() {
        params.put(v, 0, paramCount);
        if (state != null) {
            state.put(v, paramCount, v.length - paramCount);
        }
    }
}
