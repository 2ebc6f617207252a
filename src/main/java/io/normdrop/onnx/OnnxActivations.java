package io.normdrop.onnx;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationCube;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationGELU;
import org.nd4j.linalg.activations.impl.ActivationHardSigmoid;
import org.nd4j.linalg.activations.impl.ActivationHardTanH;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationMish;
import org.nd4j.linalg.activations.impl.ActivationRReLU;
import org.nd4j.linalg.activations.impl.ActivationRationalTanh;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.activations.impl.ActivationRectifiedTanh;
import org.nd4j.linalg.activations.impl.ActivationSELU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftPlus;
import org.nd4j.linalg.activations.impl.ActivationSoftSign;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationSwish;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.activations.impl.ActivationThresholdedReLU;

import java.util.List;

import static io.normdrop.onnx.OnnxGraph.attribute;

/**
 * DL4J's activations at inference as ONNX's standard operators, each what libnd4j computes
 * (its formulas and constants), including where that differs from the textbook: GELU is
 * x·σ(1.702x), and RReLU at inference is max(x, (l + u) / 2).
 */
final class OnnxActivations {
    private OnnxActivations() {
    }

    /**
     * The nodes computing {@code fn} of {@code x}; the name of their output.
     *
     * @throws UnsupportedModelException naming {@code where} for an activation ONNX cannot express here
     */
    static String apply(OnnxGraph g, IActivation fn, String x, String where) {
        if (fn instanceof ActivationIdentity) {
            return x;
        }
        if (fn instanceof ActivationReLU relu) {
            if (relu.getMax() != null || relu.getThreshold() != null || relu.getNegativeSlope() != null) {
                throw unsupported(where, fn, "a relu with a maximum, threshold or negative slope");
            }
            return g.node("Relu", "relu", x);
        }
        if (fn instanceof ActivationSoftmax) {
            // libnd4j's softmax and ONNX's (opset 13) both normalize along the last axis.
            return g.node("Softmax", "softmax", x, attribute("axis", -1L));
        }
        if (fn instanceof ActivationSigmoid) {
            return g.node("Sigmoid", "sigmoid", x);
        }
        if (fn instanceof ActivationTanH) {
            return g.node("Tanh", "tanh", x);
        }
        if (fn instanceof ActivationSoftPlus) {
            return g.node("Softplus", "softplus", x);
        }
        if (fn instanceof ActivationSoftSign) {
            return g.node("Softsign", "softsign", x);
        }
        if (fn instanceof ActivationLReLU leaky) {
            return g.node("LeakyRelu", "leakyrelu", x, attribute("alpha", (float) leaky.getAlpha()));
        }
        if (fn instanceof ActivationRReLU rrelu) {
            // DL4J's inference: ND4J's RectifiedLinear with cutoff (l + u) / 2, which is max(x, cutoff).
            return g.node("Max", "rrelu", List.of(x, g.scalar("rrelu_cutoff", (float) (0.5 * (rrelu.getL() + rrelu.getU())))));
        }
        if (fn instanceof ActivationThresholdedReLU t) {
            return g.node("ThresholdedRelu", "thresholdedrelu", x, attribute("alpha", (float) t.getTheta()));
        }
        if (fn instanceof ActivationELU elu) {
            return g.node("Elu", "elu", x, attribute("alpha", (float) elu.getAlpha()));
        }
        if (fn instanceof ActivationSELU) {
            // ONNX's default alpha and gamma are libnd4j's SELU constants, as floats.
            return g.node("Selu", "selu", x);
        }
        if (fn instanceof ActivationHardSigmoid) {
            return g.node("HardSigmoid", "hardsigmoid", x, attribute("alpha", 0.2f), attribute("beta", 0.5f));
        }
        if (fn instanceof ActivationHardTanH) {
            return g.node("Clip", "hardtanh", List.of(x, g.scalar("minus_one", -1f), g.scalar("one", 1f)));
        }
        if (fn instanceof ActivationReLU6) {
            return g.node("Clip", "relu6", List.of(x, g.scalar("zero", 0f), g.scalar("six", 6f)));
        }
        if (fn instanceof ActivationCube) {
            return g.node("Mul", "cube", List.of(g.node("Mul", "square", List.of(x, x)), x));
        }
        if (fn instanceof ActivationSwish) {
            return g.node("Mul", "swish", List.of(x, g.node("Sigmoid", "sigmoid", x)));
        }
        if (fn instanceof ActivationMish) {
            return g.node("Mul", "mish", List.of(x, g.node("Tanh", "tanh", g.node("Softplus", "softplus", x))));
        }
        if (fn instanceof ActivationRectifiedTanh) {
            return g.node("Relu", "rectifiedtanh", g.node("Tanh", "tanh", x));
        }
        if (fn instanceof ActivationGELU gelu) {
            if (gelu.isPrecise()) {
                throw unsupported(where, fn, "the precise GELU");
            }
            String scaled = g.node("Mul", "gelu_scaled", List.of(x, g.scalar("gelu_k", 1.702f)));
            return g.node("Mul", "gelu", List.of(x, g.node("Sigmoid", "sigmoid", scaled)));
        }
        if (fn instanceof ActivationRationalTanh) {
            return rationalTanh(g, x);
        }
        throw unsupported(where, fn, "an activation without an ONNX mapping");
    }

    /** 1.7159 · sgn(d) · (1 − 1 / (1 + |d| + d² + 1.41645·d⁴)) with d = 2x/3, libnd4j's RationalTanh. */
    private static String rationalTanh(OnnxGraph g, String x) {
        String d = g.node("Mul", "rt_d", List.of(x, g.scalar("two_thirds", 2f / 3f)));
        String d2 = g.node("Mul", "rt_d2", List.of(d, d));
        String d4 = g.node("Mul", "rt_d4", List.of(d2, d2));
        String sum = g.node("Add", "rt_sum", List.of(g.scalar("one", 1f), g.node("Abs", "rt_abs", d)));
        sum = g.node("Add", "rt_sum", List.of(sum, d2));
        sum = g.node("Add", "rt_sum", List.of(sum, g.node("Mul", "rt_d4k", List.of(g.scalar("k", 1.41645f), d4))));
        String inverse = g.node("Div", "rt_inv", List.of(g.scalar("one", 1f), sum));
        String tanh = g.node("Mul", "rt_tanh", List.of(g.node("Sign", "rt_sign", d),
                g.node("Sub", "rt_one_minus", List.of(g.scalar("one", 1f), inverse))));
        return g.node("Mul", "rationaltanh", List.of(g.scalar("a", 1.7159f), tanh));
    }

    private static UnsupportedModelException unsupported(String where, IActivation fn, String what) {
        return new UnsupportedModelException(where + ": activation " + fn + " (" + what
                + ") has no ONNX export; job files' activations all have one");
    }
}
