package io.normdrop.data;

import io.normdrop.config.Normalization;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class FeatureScalerTest {
    // Feature 0 varies, feature 1 is constant (7).
    private static final double[] MEAN = {2, 7};
    private static final double[] VARIANCE = {4, 0};
    private static final double[] MIN = {0, 7};
    private static final double[] MAX = {5, 7};

    @Test
    void standardizationShiftsAConstantFeatureWithoutDividingByZero() {
        FeatureScaler s = FeatureScaler.of(Normalization.STANDARDIZE, MEAN, VARIANCE, MIN, MAX);
        float[] x = {4, 7, 0, 9};
        s.apply(x, 2);
        assertArrayEquals(new float[]{1, 0, -1, 2}, x);
    }

    @Test
    void minMaxMapsTheTrainingRangeToZeroOne() {
        FeatureScaler s = FeatureScaler.of(Normalization.MINMAX, MEAN, VARIANCE, MIN, MAX);
        float[] x = {5, 7, 0, 8};
        s.apply(x, 2);
        assertArrayEquals(new float[]{1, 0, 0, 1}, x);
    }

    @Test
    void dl4jsNormalizerStoredWithTheModelScalesExactlyTheSame() {
        for (Normalization kind : new Normalization[]{Normalization.STANDARDIZE, Normalization.MINMAX}) {
            FeatureScaler s = FeatureScaler.of(kind, MEAN, VARIANCE, MIN, MAX);
            float[] x = {4, 7, 0, 9, 2.5f, 6};
            float[] expected = x.clone();
            s.apply(expected, 3);
            DataNormalization normalizer = s.toNormalizer();
            INDArray features = Nd4j.create(x, new long[]{3, 2}, DataType.FLOAT);
            normalizer.transform(features);
            assertArrayEquals(expected, features.reshape(6).toFloatVector(), 1e-5f, kind.name());
        }
    }
}
