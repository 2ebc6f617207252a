package io.normdrop.nn;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Objects;

/**
 * Cosine annealing by epoch (Loshchilov &amp; Hutter's SGDR without restarts), which DL4J
 * 1.0.0-M2 does not have: {@code min + (initial − min)·(1 + cos(π·epoch/epochs))/2} for epochs
 * 0 .. {@code epochs}, then {@code min}. Immutable; JSON as DL4J writes every {@code ISchedule}
 * (its class name and these fields), so a model file restores it.
 */
public final class CosineSchedule implements ISchedule {
    @JsonProperty("initialValue")
    private final double initialValue;
    @JsonProperty("minValue")
    private final double minValue;
    @JsonProperty("epochs")
    private final int epochs;

    /**
     * @param initialValue the value at epoch 0
     * @param minValue     the value from epoch {@code epochs} on
     * @param epochs       the length of the half cosine, at least 1
     */
    public CosineSchedule(@JsonProperty("initialValue") double initialValue, @JsonProperty("minValue") double minValue,
                          @JsonProperty("epochs") int epochs) {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1: " + epochs);
        }
        this.initialValue = initialValue;
        this.minValue = minValue;
        this.epochs = epochs;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        double t = Math.min(epoch, epochs) / (double) epochs;
        return minValue + (initialValue - minValue) * (1 + Math.cos(Math.PI * t)) / 2;
    }

    @Override
    public ISchedule clone() {
        return this;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CosineSchedule c && c.initialValue == initialValue && c.minValue == minValue
                && c.epochs == epochs;
    }

    @Override
    public int hashCode() {
        return Objects.hash(initialValue, minValue, epochs);
    }

    @Override
    public String toString() {
        return "CosineSchedule(" + initialValue + " -> " + minValue + " over " + epochs + " epochs)";
    }
}
