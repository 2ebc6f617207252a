package io.normdrop.nn;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.util.ConvolutionUtils;

/**
 * The geometry of one batch: n images of c channels, h × w, padded to hp × wp with the
 * input's first cell at (top, left); oc output channels of oh × ow.
 */
record PaddedGrid(long n, long c, long oc, int h, int w, int top, int left, int hp, int wp, int oh, int ow) {
    long cells() {
        return n * image();
    }

    long image() {
        return (long) hp * wp;
    }

    long shift(int ky, int kx, int dilationH, int dilationW) {
        return (long) ky * dilationH * wp + (long) kx * dilationW;
    }

    /**
     * The grid of input shape {@code x} [n, c, h, w] under a stride-1 kernel of kernelH × kernelW,
     * dilated, padded as {@code mode} says (same: DL4J's top-left padding and the rest at the
     * bottom right; truncate and strict: {@code padding} on each side).
     */
    static PaddedGrid of(long[] x, long outChannels, int kernelH, int kernelW, int dilationH, int dilationW,
                         ConvolutionMode mode, int[] padding) {
        int h = (int) x[2];
        int wd = (int) x[3];
        int effH = (kernelH - 1) * dilationH + 1;
        int effW = (kernelW - 1) * dilationW + 1;
        int top;
        int left;
        int hp;
        int wp;
        if (mode == ConvolutionMode.Same) {
            int[] topLeft = ConvolutionUtils.getSameModeTopLeftPadding(new int[] {h, wd}, new int[] {h, wd},
                    new int[] {kernelH, kernelW}, new int[] {1, 1}, new int[] {dilationH, dilationW});
            top = topLeft[0];
            left = topLeft[1];
            hp = h + effH - 1; // out = in: (out - 1) + eff = in + padding
            wp = wd + effW - 1;
        } else {
            top = padding[0];
            left = padding[1];
            hp = h + 2 * padding[0];
            wp = wd + 2 * padding[1];
        }
        if (hp < effH || wp < effW) {
            throw new IllegalArgumentException("a " + kernelH + "x" + kernelW + " kernel (dilation " + dilationH + "x" + dilationW
                    + ") does not fit a " + h + "x" + wd + " input padded to " + hp + "x" + wp);
        }
        return new PaddedGrid(x[0], x[1], outChannels, h, wd, top, left, hp, wp, hp - effH + 1, wp - effW + 1);
    }
}
