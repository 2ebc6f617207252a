package io.normdrop.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The maths of weight normalization (Salimans &amp; Kingma 2016), shared by the dense and output
 * layers. For a direction matrix V [nIn, nOut] and gains g [1, nOut], each output unit j has
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

    /** The effective weights W = V · diag(g / ‖v‖), a new array [nIn, nOut]. */
    public static INDArray weights(INDArray v, INDArray g) {
        INDArray scale = g.reshape(1, v.size(1)).div(norms(v));
        return v.mulRowVector(scale);
    }

    /**
     * Reference form of the backward pass (the layers use an equivalent form that avoids W):
     * turns the gradient of the loss with respect to the effective weights into gradients of
     * the direction and the gains, written into the given views:
     * ∂L/∂g_j = (G_j · v_j)/‖v_j‖ and ∂L/∂v_j = (g_j/‖v_j‖)·G_j − (g_j·∂L/∂g_j/‖v_j‖²)·v_j.
     *
     * @param v     direction [nIn, nOut]
     * @param g     gains [1, nOut]
     * @param gradW ∂L/∂W [nIn, nOut]
     * @param gradV receives ∂L/∂V
     * @param gradG receives ∂L/∂g
     */
    public static void backprop(INDArray v, INDArray g, INDArray gradW, INDArray gradV, INDArray gradG) {
        long nOut = v.size(1);
        INDArray n = norms(v);
        INDArray gRow = g.reshape(1, nOut);
        INDArray dg = gradW.mul(v).sum(true, 0).divi(n);
        gradG.assign(dg.reshape(gradG.shape()));
        INDArray scale = gRow.div(n);
        INDArray projection = gRow.mul(dg).divi(n).divi(n);
        gradV.assign(gradW.mulRowVector(scale).subi(v.mulRowVector(projection)));
    }
}
