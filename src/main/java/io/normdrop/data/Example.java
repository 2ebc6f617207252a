package io.normdrop.data;

import java.io.Serializable;

/**
 * One labeled example as the executors hold it between reading and minibatching: dense
 * features, or the non-zero entries of sparse ones (libsvm). A class, not a record: Spark
 * ships it with Kryo 4, which cannot build records.
 */
public final class Example implements Serializable {
    private static final long serialVersionUID = 1L;
    /** The label of an example read without one (scoring unlabeled data). */
    public static final int NO_LABEL = -1;
    private final float[] values;
    private final int[] indices;
    private final int label;

    private Example(float[] values, int[] indices, int label) {
        this.values = values;
        this.indices = indices;
        this.label = label;
    }

    /** An example with every feature given. */
    public static Example dense(float[] values, int label) {
        return new Example(values, null, label);
    }

    /** An example given by its non-zero features: 0-based ascending {@code indices} and their values. */
    public static Example sparse(int[] indices, float[] values, int label) {
        return new Example(values, indices, label);
    }

    /** The class, or {@link #NO_LABEL}. */
    public int label() {
        return label;
    }

    public boolean hasLabel() {
        return label != NO_LABEL;
    }

    /** Features given: all of them (dense) or the non-zero ones (sparse). */
    public int width() {
        return indices == null ? values.length : indices.length == 0 ? 0 : indices[indices.length - 1] + 1;
    }

    /** Writes the {@code features} features into {@code out} from {@code offset} (zeros where sparse). */
    public void copyTo(float[] out, int offset, int features) {
        if (indices == null) {
            System.arraycopy(values, 0, out, offset, features);
        } else {
            java.util.Arrays.fill(out, offset, offset + features, 0f);
            for (int k = 0; k < indices.length; k++) {
                out[offset + indices[k]] = values[k];
            }
        }
    }

    /** The features as doubles, {@code features} long. */
    public double[] toDoubles(int features) {
        double[] out = new double[features];
        if (indices == null) {
            for (int i = 0; i < features; i++) {
                out[i] = values[i];
            }
        } else {
            for (int k = 0; k < indices.length; k++) {
                out[indices[k]] = values[k];
            }
        }
        return out;
    }

    boolean isSparse() {
        return indices != null;
    }

    int[] indices() {
        return indices;
    }

    float[] values() {
        return values;
    }
}
