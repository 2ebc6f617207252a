package io.normdrop.nn;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.ByteBuffer;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

/**
 * A stride-1 2-d convolution (NCHW) computed on the zero-padded batch, so that im2col is whole-row
 * copies and every product is one BLAS call on contiguous rows.
 *
 * <p>The batch x [n, c, h, w] is laid out channel-first and zero-padded, X [c, n, hp, wp], and each
 * channel flattened to one row of n·hp·wp cells. At that layout the inputs under kernel offset
 * (ky, kx) of every cell of the padded grid are the same row shifted by s = ky·d·wp + kx·d, so:
 * <ul>
 *   <li>the column matrix [c·kh·kw, n·hp·wp] is c·kh·kw copies of whole row ranges (a memcpy each);</li>
 *   <li>the pre-activations Z [oc, n·hp·wp] = W [oc, c·kh·kw] × columns are one gemm, of which the
 *       cells y &lt; oh, x &lt; ow are the output;</li>
 *   <li>∂L/∂W = Δ × columnsᵀ is one gemm, with Δ [oc, n·hp·wp] zero off the output cells;</li>
 *   <li>∂L/∂X on the padded grid is Σ over offsets of W_(ky,kx)ᵀ [c, oc] × Δ shifted back by s:
 *       kh·kw gemms straight from Δ, with no column matrix and no col2im.</li>
 * </ul>
 * The price is arithmetic on the padding cells: (hp·wp)/(oh·ow) of the useful work, 1.15× for a
 * 3×3 same convolution of 28×28 images, 1.65× for 5×5 on 14×14. DL4J 1.0.0-M2's ConvolutionLayer
 * instead gathers im2col element by element into a permuted 6-d view, which was two thirds of a
 * conv net's training step here, and computes it twice a step (benchmarks.md, "conv step profile").
 *
 * <p>Buffers are kept between calls, outside DL4J's workspaces, and reallocated when the input's
 * shape changes; the cells that must stay zero are written only at allocation. One instance
 * serves one layer of one network on one thread, as a DL4J layer does. The caller keeps the order
 * forward, then backward for that forward's input ({@link #holds}).
 */
final class PaddedGridConvolution {
    /**
     * Up to this many input channels ∂L/∂X goes through column gradients (one gemm and c·kh·kw row
     * additions) rather than kh·kw gemms of c rows: 1 channel, 5×5 on 28×28: 2.9 vs 12.9 ms a
     * batch of 64; 16 channels, 5×5 on 14×14: 36 vs 15 ms (ND4J's additions run at ~3 ns an element).
     */
    static final int FEW_CHANNELS = 4;
    private final int kernelH;
    private final int kernelW;
    private final int dilationH;
    private final int dilationW;
    private final ConvolutionMode mode;
    private final int[] padding;

    private PaddedGrid grid;
    private INDArray padded;     // [c, n + 1, hp, wp]: one zero image after the last keeps every shifted range in its row
    private INDArray columns;    // [c·kh·kw + 1, n·hp·wp]: the last row all ones, for the bias
    private INDArray output;     // [oc, n·hp·wp]
    private INDArray deltas;     // [oc, (1 + n)·hp·wp]: one zero image before the first, so shifts back stay in the row
    private INDArray inputGrad;  // [c, n·hp·wp], with FEW_CHANNELS [c, (n + 1)·hp·wp]
    private INDArray columnGrad; // [c·kh·kw, n·hp·wp], with FEW_CHANNELS only
    private INDArray weightGrad; // [oc, c·kh·kw + 1]: ∂L/∂W and ∂L/∂b
    private INDArray heldInput;  // the input the buffers were computed from, for the backward pass

    PaddedGridConvolution(ConvolutionLayer layer) {
        this.kernelH = layer.getKernelSize()[0];
        this.kernelW = layer.getKernelSize()[1];
        this.dilationH = layer.getDilation()[0];
        this.dilationW = layer.getDilation()[1];
        this.mode = layer.getConvolutionMode();
        this.padding = layer.getPadding().clone();
    }

    /** Whether this computes {@code layer}: stride 1, NCHW, same, truncate or strict padding. Otherwise DL4J's path does. */
    static boolean supports(ConvolutionLayer layer) {
        return layer.getStride()[0] == 1 && layer.getStride()[1] == 1
                && layer.getCnn2dDataFormat() == CNN2DFormat.NCHW
                && (layer.getConvolutionMode() == ConvolutionMode.Same || layer.getConvolutionMode() == ConvolutionMode.Truncate
                        || layer.getConvolutionMode() == ConvolutionMode.Strict);
    }

    /** Whether the buffers hold the forward pass of {@code input} (the same array, not just equal values). */
    boolean holds(INDArray input) {
        return input != null && input == heldInput;
    }

    /**
     * conv(x, w) + b: [n, oc, oh, ow] in c order, an array of {@code mgr}'s ACTIVATIONS.
     *
     * @param x    [n, c, h, w], any strides
     * @param w    [oc, c, kh, kw]
     * @param bias [1, oc], or null for none
     */
    INDArray forward(INDArray x, INDArray w, INDArray bias, LayerWorkspaceMgr mgr) {
        PaddedGrid g = gridFor(x, w);
        padded.get(all(), interval(0, g.n()), interval(g.top(), g.top() + g.h()), interval(g.left(), g.left() + g.w()))
                .assign(x.permute(1, 0, 2, 3));
        copyShiftedRows(g);
        Nd4j.gemm(withBias(w, bias, g), columns, output, false, false, 1.0, 0.0);
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), new long[] {g.n(), g.oc(), g.oh(), g.ow()}, 'c');
        out.assign(output.reshape('c', g.oc(), g.n(), g.hp(), g.wp()).get(all(), all(), interval(0, g.oh()), interval(0, g.ow()))
                .permute(1, 0, 2, 3));
        heldInput = x;
        return out;
    }

    /**
     * The backward pass of the last {@link #forward}: ∂L/∂W into a buffer of this object (valid
     * until the next call), ∂L/∂b into {@code biasGrad}, and ∂L/∂x returned as [n, c, h, w] in c
     * order, an array of {@code mgr}'s ACTIVATION_GRAD.
     *
     * @param delta    ∂L/∂z [n, oc, oh, ow], any strides
     * @param w        the kernels the forward pass used [oc, c, kh, kw]
     * @param biasGrad [1, oc] to write, or null without a bias
     */
    Gradients backward(INDArray delta, INDArray w, INDArray biasGrad, LayerWorkspaceMgr mgr) {
        PaddedGrid g = grid;
        long cells = g.cells();
        long image = g.image();
        deltas.reshape('c', g.oc(), g.n() + 1, g.hp(), g.wp()).get(all(), interval(1, g.n() + 1), interval(0, g.oh()), interval(0, g.ow()))
                .assign(delta.permute(1, 0, 2, 3));
        // Δ × [columns; 1]ᵀ: ∂L/∂W and, in the last column, ∂L/∂b = the sum of Δ over the cells.
        Nd4j.gemm(deltas.get(all(), interval(image, image + cells)), columns, weightGrad, false, true, 1.0, 0.0);
        if (biasGrad != null) {
            biasGrad.assign(weightGrad.get(all(), point(patch(g))).reshape(biasGrad.shape()));
        }
        if (g.c() <= FEW_CHANNELS) {
            inputGradFromColumns(g, w);
        } else {
            inputGradFromShifts(g, w);
        }
        INDArray eps = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, delta.dataType(), new long[] {g.n(), g.c(), g.h(), g.w()}, 'c');
        eps.assign(inputGrad.reshape('c', g.c(), inputGrad.size(1) / image, g.hp(), g.wp())
                .get(all(), interval(0, g.n()), interval(g.top(), g.top() + g.h()), interval(g.left(), g.left() + g.w())).permute(1, 0, 2, 3));
        return new Gradients(weightGrad.get(all(), interval(0, patch(g))).reshape('c', w.shape()), eps);
    }

    /** ∂L/∂W [oc, c, kh, kw] (this object's buffer) and ∂L/∂x [n, c, h, w]. */
    record Gradients(INDArray weights, INDArray input) {
    }

    /**
     * ∂L/∂X on the padded grid as kh·kw gemms W_(ky,kx)ᵀ [c, oc] × Δ shifted back by s, summed
     * in place: no column matrix, and each gemm has oc terms per sum.
     */
    private void inputGradFromShifts(PaddedGrid g, INDArray w) {
        long image = g.image();
        INDArray transposed = w.permute(2, 3, 1, 0).dup('c').reshape('c', (long) kernelH * kernelW, g.c(), g.oc());
        for (int ky = 0; ky < kernelH; ky++) {
            for (int kx = 0; kx < kernelW; kx++) {
                long back = image - g.shift(ky, kx, dilationH, dilationW);
                Nd4j.gemm(transposed.get(point((long) ky * kernelW + kx), all(), all()), deltas.get(all(), interval(back, back + g.cells())),
                        inputGrad, false, false, 1.0, ky == 0 && kx == 0 ? 0.0 : 1.0);
            }
        }
    }

    /**
     * ∂L/∂X on the padded grid for a few input channels (an image's first layer), where a gemm of
     * c rows is a matrix-vector product: the column gradients Wᵀ × Δ in one gemm, then each added
     * to its channel's row at its shift (col2im as c·kh·kw row additions).
     */
    private void inputGradFromColumns(PaddedGrid g, INDArray w) {
        long image = g.image();
        long cells = g.cells();
        Nd4j.gemm(w.reshape('c', g.oc(), patch(g)), deltas.get(all(), interval(image, image + cells)), columnGrad,
                true, false, 1.0, 0.0);
        inputGrad.assign(0);
        for (long ch = 0; ch < g.c(); ch++) {
            for (int ky = 0; ky < kernelH; ky++) {
                for (int kx = 0; kx < kernelW; kx++) {
                    long s = g.shift(ky, kx, dilationH, dilationW);
                    INDArray target = inputGrad.get(point(ch), interval(s, s + cells));
                    Nd4j.exec(new AddOp(target, columnGrad.get(point((ch * kernelH + ky) * kernelW + kx), all()), target));
                }
            }
        }
    }

    /** c·kh·kw: the length of one output channel's kernel, a row of the column matrix's count. */
    private long patch(PaddedGrid g) {
        return g.c() * kernelH * kernelW;
    }

    /** [W as [oc, c·kh·kw] | b]: the kernels and the bias as one matrix for the row of ones under the columns. */
    private static INDArray withBias(INDArray w, INDArray bias, PaddedGrid g) {
        long patch = w.length() / g.oc();
        INDArray augmented = Nd4j.create(w.dataType(), g.oc(), patch + 1);
        augmented.get(all(), interval(0, patch)).assign(w.reshape('c', g.oc(), patch));
        if (bias != null) {
            augmented.get(all(), point(patch)).assign(bias.reshape(g.oc()));
        }
        return augmented;
    }

    /** The column matrix: row (ch, ky, kx) is channel ch's padded row from its shift on, one bulk copy each. */
    private void copyShiftedRows(PaddedGrid g) {
        ByteBuffer from = padded.data().asNio();
        ByteBuffer to = columns.data().asNio();
        int bytes = padded.dataType().width();
        long cells = g.cells();
        long row = (g.n() + 1) * g.image();
        for (long ch = 0; ch < g.c(); ch++) {
            for (int ky = 0; ky < kernelH; ky++) {
                for (int kx = 0; kx < kernelW; kx++) {
                    long target = (ch * kernelH * kernelW + (long) ky * kernelW + kx) * cells;
                    long source = ch * row + g.shift(ky, kx, dilationH, dilationW);
                    to.put((int) (target * bytes), from, (int) (source * bytes), (int) (cells * bytes));
                }
            }
        }
    }

    /**
     * Whether the buffers for input {@code x} and {@code outChannels} stay under 2 GiB each (they
     * are addressed by int offsets): a batch per worker of 64 with 256 channels of 112 × 112 and a
     * 3 × 3 kernel is over; the layer then runs DL4J's code for it.
     */
    boolean fits(long[] inputShape, DataType type, long outChannels) {
        if (inputShape.length != 4) {
            return false;
        }
        if (grid != null && grid.n() == inputShape[0] && grid.c() == inputShape[1] && grid.h() == inputShape[2]
                && grid.w() == inputShape[3] && grid.oc() == outChannels && padded.dataType() == type) {
            return true; // allocated, so it fits: no geometry on every call of a training step
        }
        PaddedGrid g = PaddedGrid.of(inputShape, outChannels, kernelH, kernelW, dilationH, dilationW, mode, padding);
        long width = type.width();
        return (patch(g) + 1) * g.cells() * width <= Integer.MAX_VALUE
                && g.c() * (g.n() + 1) * g.image() * width <= Integer.MAX_VALUE
                && g.oc() * (g.n() + 1) * g.image() * width <= Integer.MAX_VALUE;
    }

    private PaddedGrid gridFor(INDArray x, INDArray w) {
        if (x.rank() != 4 || x.size(1) != w.size(1)) {
            throw new IllegalArgumentException("a convolution of " + w.size(1) + " input channels takes [n, "
                    + w.size(1) + ", h, w], not " + java.util.Arrays.toString(x.shape()));
        }
        PaddedGrid g = PaddedGrid.of(x.shape(), w.size(0), kernelH, kernelW, dilationH, dilationW, mode, padding);
        if (!g.equals(grid) || padded.dataType() != x.dataType()) {
            allocate(g, x.dataType());
        }
        return g;
    }

    private void allocate(PaddedGrid g, DataType type) {
        long cells = g.cells();
        long image = g.image();
        grid = null; // until every buffer is in place
        heldInput = null;
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            padded = Nd4j.zeros(type, g.c(), g.n() + 1, g.hp(), g.wp());
            columns = Nd4j.create(type, patch(g) + 1, cells);
            columns.get(point(patch(g)), all()).assign(1);
            output = Nd4j.create(type, g.oc(), cells);
            deltas = Nd4j.zeros(type, g.oc(), (g.n() + 1) * image);
            inputGrad = Nd4j.create(type, g.c(), g.c() <= FEW_CHANNELS ? cells + image : cells);
            columnGrad = g.c() <= FEW_CHANNELS ? Nd4j.create(type, patch(g), cells) : null;
            weightGrad = Nd4j.create(type, g.oc(), patch(g) + 1);
        }
        grid = g;
    }
}
