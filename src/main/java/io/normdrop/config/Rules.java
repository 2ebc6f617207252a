package io.normdrop.config;

import java.util.List;

/**
 * The rules job keys keep. Each failure names the key, the value and the valid range, as Spark
 * ML's {@code ParamValidators} do: {@code training.epochs: invalid value 0 (must be >= 1)}.
 */
final class Rules {
    private Rules() {
    }

    /**
     * Whether a key's name says it holds a secret (secret, password, token): job files end up in
     * provenance, job.conf and metrics, so such keys are refused.
     */
    static boolean namesASecret(String name) {
        return name.toLowerCase(java.util.Locale.ROOT).matches(".*(secret|password|token).*");
    }

    static Key.Rule<Integer> atLeast(int min) {
        return (key, value) -> {
            if (value < min) {
                throw ConfigException.invalid(key, value, "must be >= " + min);
            }
        };
    }

    static Key.Rule<Double> positive() {
        return (key, value) -> {
            if (!(value > 0) || Double.isInfinite(value)) {
                throw ConfigException.invalid(key, value, "must be a finite number > 0");
            }
        };
    }

    static Key.Rule<Double> nonNegative() {
        return (key, value) -> {
            if (!(value >= 0) || Double.isInfinite(value)) {
                throw ConfigException.invalid(key, value, "must be a finite number >= 0");
            }
        };
    }

    /** A number in [min, max], each end included or not. */
    static Key.Rule<Double> inRange(double min, boolean minIncluded, double max, boolean maxIncluded) {
        String range = (minIncluded ? "[" : "(") + format(min) + ", " + format(max) + (maxIncluded ? "]" : ")");
        return (key, value) -> {
            boolean aboveMin = minIncluded ? value >= min : value > min;
            boolean belowMax = maxIncluded ? value <= max : value < max;
            if (!aboveMin || !belowMax || Double.isNaN(value)) {
                throw ConfigException.invalid(key, value, "must be in " + range);
            }
        };
    }

    /** A probability or fraction: [0, 1]. */
    static Key.Rule<Double> fraction() {
        return inRange(0, true, 1, true);
    }

    static Key.Rule<String> notBlank() {
        return (key, value) -> {
            if (value.isBlank()) {
                throw new ConfigException(key, "is required (a non-empty string)");
            }
        };
    }

    /** A string matching {@code regex}; {@code allowed} says what that is. */
    static Key.Rule<String> matches(String regex, String allowed) {
        return (key, value) -> {
            if (!value.matches(regex)) {
                throw ConfigException.invalid(key, value, allowed);
            }
        };
    }

    /** Sizes: {@code count} whole numbers, each at least 1, e.g. a kernel's [height, width]. */
    static Key.Rule<List<Integer>> sizes(int count) {
        return (key, value) -> {
            if (value.size() != count || value.stream().anyMatch(v -> v < 1)) {
                throw ConfigException.invalid(key, value, "must be " + count + " whole numbers, each >= 1");
            }
        };
    }

    private static String format(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
