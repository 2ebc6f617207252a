package io.normdrop.config;

/**
 * Dropout on a layer's input, as a retain probability. DL4J applies dropout to a layer's
 * <em>input</em>, in training only (Keras applies its {@code Dropout(rate)} layer to the output
 * of the layer before it: Keras rate r after layer k is keep = 1 - r on layer k+1 here).
 * A retain probability of 1 means no dropout: nothing is built, no mask is drawn.
 *
 * @param keep probability that an input activation is kept, in (0, 1]
 */
public record Dropout(double keep) {
    static final Key.Rule<Double> KEEP = Rules.inRange(0, false, 1, true);
    static final Key.Rule<Double> RATE = Rules.inRange(0, true, 1, false);
    private static final Dropout NONE = new Dropout(1.0);

    public Dropout {
        KEEP.check("dropout.keep", keep);
    }

    public static Dropout none() {
        return NONE;
    }

    /** Dropout from a retain probability; {@code key} names the job key for errors. */
    static Dropout ofKeep(String key, double keep) {
        KEEP.check(key, keep);
        return new Dropout(keep);
    }

    /** Dropout from a drop probability (rate = 1 - keep); {@code key} names the job key for errors. */
    static Dropout ofRate(String key, double rate) {
        RATE.check(key, rate);
        return new Dropout(1.0 - rate);
    }

    /** Whether a mask is drawn at all: false exactly when keep is 1. */
    public boolean active() {
        return keep < 1.0;
    }
}
