package io.normdrop.nn;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which convolutions the padded grid takes; what it computes is proven against ConvolutionLayer in {@link WeightNormConvTest}. */
class PaddedGridConvolutionTest {
    static ConvolutionLayer conv(int stride, ConvolutionMode mode) {
        ConvolutionLayer.Builder b = new ConvolutionLayer.Builder(3, 3);
        b.stride(stride, stride).convolutionMode(mode).nIn(4).nOut(8);
        return b.build();
    }

    @Test
    void takesStrideOneInEveryPaddingModeAndLeavesStridesToDl4j() {
        assertTrue(PaddedGridConvolution.supports(conv(1, ConvolutionMode.Same)));
        assertTrue(PaddedGridConvolution.supports(conv(1, ConvolutionMode.Truncate)));
        assertTrue(PaddedGridConvolution.supports(conv(1, ConvolutionMode.Strict)));
        assertFalse(PaddedGridConvolution.supports(conv(2, ConvolutionMode.Same)));
    }

    @Test
    void buffersOver2GiBLeaveTheBatchToDl4j() {
        PaddedGridConvolution grid = new PaddedGridConvolution(conv(1, ConvolutionMode.Same));
        assertTrue(grid.fits(new long[] {64, 32, 14, 14}, DataType.FLOAT, 64));
        // Columns: (256·9 + 1) rows × 64·114·114 cells × 4 bytes = 7.7 GB.
        assertFalse(grid.fits(new long[] {64, 256, 112, 112}, DataType.FLOAT, 256));
        // The same layer on a batch of 8 fits (columns 0.96 GB); with 1024 input channels in double it does not (7.7 GB).
        assertTrue(grid.fits(new long[] {8, 256, 112, 112}, DataType.FLOAT, 256));
        assertFalse(grid.fits(new long[] {8, 1024, 112, 112}, DataType.DOUBLE, 256));
        assertFalse(grid.fits(new long[] {64, 784}, DataType.FLOAT, 8), "not an image batch");
    }
}
