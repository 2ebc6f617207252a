package io.normdrop.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The maths of weight normalization (Salimans &amp; Kingma 2016), shared by the dense and output
 * layers (their forward and backward passes are in WeightNormLayers) and the convolution. For a direction matrix V [nIn, nOut] and gains g [1, nOut], each output unit j has
 * weights w_j = g_j · v_j / ‖v_j‖ (column j). Norms are floored at {@value #EPSILON} so that a
 * zero column gives zero weights and finite gradients instead of NaN.
 */
public final class WeightNorm {
    /** Smallest column norm used in a division. */
    public static final double EPSILON = 1e-8;

    private WeightNorm() {
    }

    /** ‖v_j‖ per column, floored at {@link #EPSILON}, as a row vector [1, nOut]. */
    static INDArray norms(INDArray v) {
        INDArray n = v.norm2(0).reshape(1, v.size(1));
        return Transforms.max(n, EPSILON, false);
    }

    /**
     * The effective kernels of a convolution with directions V [nOut, nIn, kH, kW] and gains
     * g [1, nOut]: w_c = g_c · v_c / ‖v_c‖, the norm over each output channel's whole kernel; a new
     * array of V's shape, c order.
     */
    public static INDArray kernels(INDArray v, INDArray g) {
        INDArray rows = channelRows(v);
        return rows.mulColumnVector(g.reshape(v.size(0), 1).div(channelNorms(v))).reshape('c', v.shape());
    }

    /** V [nOut, nIn, kH, kW] as [nOut, nIn·kH·kW]: one row per output channel. */
    static INDArray channelRows(INDArray v) {
        return v.reshape('c', v.size(0), v.length() / v.size(0));
    }

    /** ‖v_c‖ per output channel of V [nOut, nIn, kH, kW], as a column [nOut, 1], floored at {@link #EPSILON}. */
    static INDArray channelNorms(INDArray v) {
        return Transforms.max(channelRows(v).norm2(true, 1), EPSILON, false);
    }

    /** The effective weights W = V · diag(g / ‖v‖), a new array [nIn, nOut]. */
    public static INDArray weights(INDArray v, INDArray g) {
        INDArray scale = g.reshape(1, v.size(1)).div(norms(v));
        return v.mulRowVector(scale);
    }
}
