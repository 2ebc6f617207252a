package io.normdrop.metrics;

import java.util.stream.LongStream;

/**
 * A linear map from data to pixels for the axes of {@link Svg}'s charts, with ticks at round
 * steps (1, 2 or 5 times a power of ten, about five to an axis).
 */
record ChartScale(double min, double max, double from, double to) {
    /** A scale from {@code min} to {@code max} widened to whole steps, mapped onto pixels {@code from} to {@code to}. */
    static ChartScale nice(double min, double max, double from, double to) {
        double step = step(min, max);
        return new ChartScale(Math.floor(min / step) * step, Math.ceil(max / step) * step, from, to);
    }

    private static double step(double min, double max) {
        double range = Math.max(1e-12, max - min);
        double raw = range / 5;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double norm = raw / mag;
        return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
    }

    /** The pixel of value {@code v}. */
    double map(double v) {
        return from + (v - min) / (max - min) * (to - from);
    }

    /** Ticks at every step from {@code min} to {@code max}. */
    double[] ticks() {
        double step = step(min, max);
        int n = (int) Math.round((max - min) / step);
        double[] t = new double[n + 1];
        for (int i = 0; i <= n; i++) {
            t[i] = min + i * step;
        }
        return t;
    }

    /** Ticks at whole numbers (epochs), at most about twelve. */
    double[] integerTicks() {
        long lo = (long) Math.ceil(min);
        long hi = (long) Math.floor(max);
        long every = Math.max(1, (hi - lo + 1) / 12 + ((hi - lo + 1) % 12 == 0 ? 0 : 1));
        return LongStream.rangeClosed(lo, hi).filter(v -> (v - lo) % every == 0).asDoubleStream().toArray();
    }
}
