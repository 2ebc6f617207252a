package io.normdrop.nn;

/**
 * {@link WeightNormConv2D} computed by DL4J's ConvolutionLayer code on W = g·v/‖v‖ at every
 * stride, as every weight-norm convolution ran before {@link PaddedGridConvolution}: the baseline
 * that {@code deploy/bench.sh step} measures the padded grid against, in the same run.
 */
public class Dl4jPathWeightNormConv2D extends WeightNormConv2D {
    /** For JSON deserialization. */
    public Dl4jPathWeightNormConv2D() {
    }

    private Dl4jPathWeightNormConv2D(Builder builder) {
        super(builder);
    }

    @Override
    protected boolean paddedGrid() {
        return false;
    }

    /** Builds it as {@link WeightNormConv2D.Builder} does. */
    public static class Builder extends WeightNormConv2D.Builder {
        public Builder(int... kernelSize) {
            super(kernelSize);
        }

        @Override
        @SuppressWarnings("unchecked")
        public Dl4jPathWeightNormConv2D build() {
            super.build();
            return new Dl4jPathWeightNormConv2D(this);
        }
    }
}
