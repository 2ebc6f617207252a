package io.normdrop.nn;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Objects;

/**
 * Linear warm-up in front of another schedule: {@code base·(iteration + 1)/iterations} for the
 * first {@code iterations} iterations, then {@code base} (DL4J's {@code RampSchedule}, whose
 * 1.0.0-M2 JSON cannot be read back: it has no creator, so a worker given the network's JSON
 * would fail). Immutable.
 */
public final class WarmUpSchedule implements ISchedule {
    @JsonProperty("base")
    private final ISchedule base;
    @JsonProperty("iterations")
    private final int iterations;

    public WarmUpSchedule(@JsonProperty("base") ISchedule base, @JsonProperty("iterations") int iterations) {
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be >= 1: " + iterations);
        }
        this.base = Objects.requireNonNull(base, "base");
        this.iterations = iterations;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        double value = base.valueAt(iteration, epoch);
        return iteration >= iterations ? value : value * (iteration + 1) / iterations;
    }

    @Override
    public ISchedule clone() {
        return new WarmUpSchedule(base.clone(), iterations);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WarmUpSchedule w && w.base.equals(base) && w.iterations == iterations;
    }

    @Override
    public int hashCode() {
        return Objects.hash(base, iterations);
    }

    @Override
    public String toString() {
        return "WarmUpSchedule(" + iterations + " iterations to " + base + ")";
    }
}
