package io.normdrop.nn;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.FloatBuffer;

/**
 * DL4J's Adam step computed by the JVM on heap copies of the gradient and the two moments: the
 * arithmetic of ND4J's {@code adam_updater} op, in the same order and in float, so the results
 * are bit-identical (VectorizedAdamTest), and the same state arrays, so averaging, checkpoints
 * and model files see nothing new.
 *
 * <p>Why: the generic x86-64 build of libnd4j takes its square root and division one element at
 * a time; on a worker's step of jobs/fashion-mnist.conf (1.34 M parameters, one thread) the op was
 * 41–44 % of the step, 8.5–9.3 ms. The JIT vectorizes this loop for the CPU it runs on (AVX-512
 * here), and the three copies in and out are memcpy: 4–5 ms a step saved here
 * (benchmarks.md, 2026-12-05). Float arrays whose views are contiguous only; anything else
 * (double networks, strided views, over 1 G elements) goes to ND4J's op as before.
 */
public final class VectorizedAdam extends AdamUpdater {
    private float[] gradient = new float[0];
    private float[] first = new float[0];
    private float[] second = new float[0];
    private long vectorized; // steps taken here rather than by ND4J's op

    VectorizedAdam(Adam config) {
        super(config);
    }

    /**
     * Replaces every block of {@code net}'s updater that runs DL4J's {@link AdamUpdater} by one
     * on the same configuration and state views; creates the updater if the network has none yet.
     *
     * @return the number of blocks replaced
     */
    public static int install(MultiLayerNetwork net) {
        int replaced = 0;
        if (net.getUpdater() instanceof BaseMultiLayerUpdater<?> updater) {
            for (UpdaterBlock block : updater.getUpdaterBlocks()) {
                if (block.getGradientUpdater() != null && block.getGradientUpdater().getClass() == AdamUpdater.class) {
                    AdamUpdater dl4j = (AdamUpdater) block.getGradientUpdater();
                    VectorizedAdam ours = new VectorizedAdam(dl4j.getConfig());
                    ours.setM(dl4j.getM());
                    ours.setV(dl4j.getV());
                    ours.setGradientReshapeOrder(dl4j.getGradientReshapeOrder());
                    block.setGradientUpdater(ours);
                    replaced++;
                }
            }
        }
        return replaced;
    }

    /** Whether {@link #install} put this updater into any of {@code net}'s updater blocks. */
    public static boolean installed(MultiLayerNetwork net) {
        return net.getUpdater() instanceof BaseMultiLayerUpdater<?> updater && updater.getUpdaterBlocks().stream()
                .anyMatch(b -> b.getGradientUpdater() instanceof VectorizedAdam);
    }

    @Override
    public void applyUpdater(INDArray update, int iteration, int epoch) {
        INDArray m = getM();
        INDArray v = getV();
        if (!copyable(update) || !copyable(m) || !copyable(v) || update.length() != m.length() || update.length() != v.length()) {
            super.applyUpdater(update, iteration, epoch);
            return;
        }
        FloatBuffer g = update.data().asNioFloat();
        FloatBuffer mb = m.data().asNioFloat();
        FloatBuffer vb = v.data().asNioFloat();
        if (!addressed(update, g) || !addressed(m, mb) || !addressed(v, vb)) {
            super.applyUpdater(update, iteration, epoch);
            return;
        }
        int n = (int) update.length();
        if (gradient.length < n) {
            gradient = new float[n];
            first = new float[n];
            second = new float[n];
        }
        g.get((int) update.offset(), gradient, 0, n);
        mb.get((int) m.offset(), first, 0, n);
        vb.get((int) v.offset(), second, 0, n);
        step(gradient, first, second, n, getConfig(), iteration, epoch);
        g.put((int) update.offset(), gradient, 0, n);
        mb.put((int) m.offset(), first, 0, n);
        vb.put((int) v.offset(), second, 0, n);
        vectorized++;
    }

    /** Steps computed here rather than handed to ND4J's op. */
    long vectorizedSteps() {
        return vectorized;
    }

    /** Float, one contiguous run, int-addressable. */
    private static boolean copyable(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.elementWiseStride() == 1 && a.offset() + a.length() <= Integer.MAX_VALUE;
    }

    /**
     * The layout this relies on, checked at run time: ND4J 1.0.0-M2 gives a view's buffer as the
     * whole allocation, with the view's first element at {@code offset()}; its first and last
     * elements must read the same through both.
     */
    private static boolean addressed(INDArray a, FloatBuffer b) {
        int from = (int) a.offset();
        int last = from + (int) a.length() - 1;
        return a.offset() == a.data().offset() && b.capacity() > last
                && Float.floatToRawIntBits(b.get(from)) == Float.floatToRawIntBits(a.getFloat(0))
                && Float.floatToRawIntBits(b.get(last)) == Float.floatToRawIntBits(a.getFloat(a.length() - 1));
    }

    /**
     * One Adam step in place, as libnd4j's adamUpdater helper: bias corrections folded into the
     * step size, ε added after the square root; {@code g} becomes the update to subtract.
     */
    static void step(float[] g, float[] m, float[] v, int n, Adam config, int iteration, int epoch) {
        float beta1 = (float) config.getBeta1();
        float beta2 = (float) config.getBeta2();
        float epsilon = (float) config.getEpsilon();
        float stepSize = stepSize((float) config.getLearningRate(iteration, epoch), beta1, beta2, epsilon, iteration);
        float keep1 = 1 - beta1;
        float keep2 = 1 - beta2;
        for (int i = 0; i < n; i++) {
            float gi = g[i];
            float mi = beta1 * m[i] + gi * keep1;
            float vi = beta2 * v[i] + gi * gi * keep2;
            m[i] = mi;
            v[i] = vi;
            g[i] = mi * stepSize / ((float) Math.sqrt(vi) + epsilon); // sqrt of a float in double rounds as sqrtf does
        }
    }

    /**
     * lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ) with t = iteration + 1, rounded as libnd4j computes it: the powers
     * and the square root by ND4J's own float ops (C's powf and sqrtf, which Java's double
     * functions do not always round alike), the division in double; ε when that is not finite or 0.
     */
    static float stepSize(float rate, float beta1, float beta2, float epsilon, int iteration) {
        INDArray powers = Transforms.pow(Nd4j.createFromArray(beta1, beta2), (float) iteration + 1f, false);
        float beta1T = powers.getFloat(0);
        float beta2T = powers.getFloat(1);
        float root = Transforms.sqrt(Nd4j.createFromArray((float) (1.0 - beta2T)), false).getFloat(0);
        float stepSize = (float) ((rate * root) / (1.0 - beta1T));
        return Float.isNaN(stepSize) || stepSize == 0 || Float.isInfinite(stepSize) ? epsilon : stepSize;
    }
}
