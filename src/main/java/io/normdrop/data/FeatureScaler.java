package io.normdrop.data;

import io.normdrop.config.Normalization;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.mllib.linalg.Vector;
import org.apache.spark.mllib.linalg.Vectors;
import org.apache.spark.mllib.stat.MultivariateOnlineSummarizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerMinMaxScaler;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;

/**
 * Feature scaling fitted on the training data: x' = (x − shift) / scale per feature. Fitted with
 * Spark MLlib's {@link MultivariateOnlineSummarizer} in one tree aggregation over the executors
 * (only the per-feature statistics reach the driver). Standardization uses the mean and the
 * (sample) standard deviation, min-max scaling the minimum and the range; a constant feature gets
 * scale 1, so it is shifted, not divided by zero. The same scaling is stored with the model as
 * DL4J's own normalizer ({@link #toNormalizer}), which applies it at inference.
 */
public final class FeatureScaler implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Normalization kind;
    private final float[] shift;
    private final float[] scale;

    FeatureScaler(Normalization kind, float[] shift, float[] scale) {
        this.kind = kind;
        this.shift = shift;
        this.scale = scale;
    }

    /**
     * Fits {@code kind} to the examples' features; null for {@link Normalization#NONE}.
     *
     * @param features features per example
     */
    public static FeatureScaler fit(Normalization kind, JavaRDD<Example> examples, int features) {
        if (kind == Normalization.NONE) {
            return null;
        }
        MultivariateOnlineSummarizer s = examples.treeAggregate(new MultivariateOnlineSummarizer(),
                (acc, e) -> acc.add(vector(e, features)), MultivariateOnlineSummarizer::merge);
        return of(kind, s.mean().toArray(), s.variance().toArray(), s.min().toArray(), s.max().toArray());
    }

    /** A scaling stored earlier ({@link #shift}, {@link #scale}), restored exactly. */
    public static FeatureScaler restore(Normalization kind, float[] shift, float[] scale) {
        if (kind == Normalization.NONE || shift.length != scale.length) {
            throw new IllegalArgumentException(kind + " scaling of " + shift.length + " shifts and " + scale.length + " scales");
        }
        return new FeatureScaler(kind, shift.clone(), scale.clone());
    }

    /**
     * The scaling a DL4J normalizer stored by {@link #toNormalizer} applies (models written before
     * the scaling itself was stored with them; min-max recomputes the range, so it may differ in
     * the last bit).
     */
    public static FeatureScaler fromNormalizer(DataNormalization normalizer) {
        if (normalizer instanceof NormalizerStandardize n) {
            return new FeatureScaler(Normalization.STANDARDIZE, n.getMean().toFloatVector(), n.getStd().toFloatVector());
        }
        if (normalizer instanceof NormalizerMinMaxScaler n) {
            return new FeatureScaler(Normalization.MINMAX, n.getMin().toFloatVector(), n.getMax().sub(n.getMin()).toFloatVector());
        }
        throw new IllegalArgumentException("not a normalizer Normdrop writes: " + normalizer.getClass().getName());
    }

    /** The scaling of {@code kind} from per-feature statistics. */
    static FeatureScaler of(Normalization kind, double[] mean, double[] variance, double[] min, double[] max) {
        int n = mean.length;
        float[] shift = new float[n];
        float[] scale = new float[n];
        for (int i = 0; i < n; i++) {
            double spread = kind == Normalization.STANDARDIZE ? Math.sqrt(Math.max(0, variance[i])) : max[i] - min[i];
            shift[i] = (float) (kind == Normalization.STANDARDIZE ? mean[i] : min[i]);
            // A constant feature: shift only. (Tiny spreads are kept: they are real, if small.)
            scale[i] = spread > 0 && Float.isFinite((float) spread) ? (float) spread : 1f;
        }
        return new FeatureScaler(kind, shift, scale);
    }

    private static Vector vector(Example e, int features) {
        if (e.isSparse()) {
            double[] v = new double[e.values().length];
            for (int k = 0; k < v.length; k++) {
                v[k] = e.values()[k];
            }
            return Vectors.sparse(features, e.indices(), v);
        }
        return Vectors.dense(e.toDoubles(features));
    }

    public Normalization kind() {
        return kind;
    }

    /** Scales {@code n} examples of {@code shift.length} features, row after row, in place. */
    public void apply(float[] x, int n) {
        int f = shift.length;
        for (int r = 0; r < n; r++) {
            int o = r * f;
            for (int i = 0; i < f; i++) {
                x[o + i] = (x[o + i] - shift[i]) / scale[i];
            }
        }
    }

    /** Per-feature shift (mean or minimum). */
    public float[] shift() {
        return shift.clone();
    }

    /** Per-feature divisor (standard deviation or range; 1 for a constant feature). */
    public float[] scale() {
        return scale.clone();
    }

    /**
     * The same scaling as DL4J's normalizer, to store in the model file
     * ({@code ModelSerializer.addNormalizerToModel}) and restore at inference.
     */
    public DataNormalization toNormalizer() {
        var shiftRow = Nd4j.create(shift, new long[]{1, shift.length}, 'c').castTo(DataType.FLOAT);
        var scaleRow = Nd4j.create(scale, new long[]{1, scale.length}, 'c').castTo(DataType.FLOAT);
        if (kind == Normalization.STANDARDIZE) {
            return new NormalizerStandardize(shiftRow, scaleRow);
        }
        NormalizerMinMaxScaler n = new NormalizerMinMaxScaler(0, 1);
        n.setFeatureStats(shiftRow, shiftRow.add(scaleRow));
        return n;
    }
}
