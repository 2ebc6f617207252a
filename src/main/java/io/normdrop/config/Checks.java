package io.normdrop.config;

/** Range checks used by the record constructors; each failure names the key, value and range. */
final class Checks {
    private Checks() {
    }

    static int atLeast(String key, int value, int min) {
        if (value < min) {
            throw ConfigException.invalid(key, value, "must be >= " + min);
        }
        return value;
    }

    static double positive(String key, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw ConfigException.invalid(key, value, "must be a finite number > 0");
        }
        return value;
    }

    static double nonNegative(String key, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw ConfigException.invalid(key, value, "must be a finite number >= 0");
        }
        return value;
    }

    static double inRange(String key, double value, double min, boolean minInclusive, double max,
                          boolean maxInclusive) {
        boolean aboveMin = minInclusive ? value >= min : value > min;
        boolean belowMax = maxInclusive ? value <= max : value < max;
        if (!aboveMin || !belowMax || Double.isNaN(value)) {
            String range = (minInclusive ? "[" : "(") + fmt(min) + ", " + fmt(max) + (maxInclusive ? "]" : ")");
            throw ConfigException.invalid(key, value, "must be in " + range);
        }
        return value;
    }

    static String notBlank(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new ConfigException(key, "is required (a non-empty string)");
        }
        return value;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
