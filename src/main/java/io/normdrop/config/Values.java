package io.normdrop.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;

import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads from a resolved config whose type errors become {@link ConfigException}s that
 * name the job key, the value found and the type expected.
 */
final class Values {
    final Config config;
    private final String keyPrefix;

    Values(Config config) {
        this(config, "");
    }

    Values(Config config, String keyPrefix) {
        this.config = config;
        this.keyPrefix = keyPrefix;
    }

    String string(String path) {
        ConfigValue value = present(path);
        Object raw = value.unwrapped();
        if (raw instanceof String s) {
            return s;
        }
        throw ConfigException.invalid(keyPrefix + path, raw, "expected a string");
    }

    /** A string or a whole number, as text (e.g. a column given by name or by index). */
    String scalarString(String path) {
        Object raw = present(path).unwrapped();
        if (raw instanceof Integer || raw instanceof Long) {
            return raw.toString();
        }
        return string(path);
    }

    String optionalString(String path) {
        return config.getIsNull(path) ? null : string(path);
    }

    List<String> stringList(String path) {
        ConfigValue value = present(path);
        if (value.unwrapped() instanceof List<?> list) {
            List<String> out = new ArrayList<>();
            for (Object o : list) {
                if (!(o instanceof String s)) {
                    throw ConfigException.invalid(keyPrefix + path, list, "expected a list of strings");
                }
                out.add(s);
            }
            return out;
        }
        throw ConfigException.invalid(keyPrefix + path, value.unwrapped(), "expected a list of strings");
    }

    boolean bool(String path) {
        Object raw = present(path).unwrapped();
        if (raw instanceof Boolean b) {
            return b;
        }
        throw ConfigException.invalid(keyPrefix + path, raw, "expected true or false");
    }

    int integer(String path) {
        long value = longValue(path);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw ConfigException.invalid(keyPrefix + path, value, "out of range for a whole number");
        }
        return (int) value;
    }

    long longValue(String path) {
        Object raw = present(path).unwrapped();
        if (raw instanceof Integer || raw instanceof Long) {
            return ((Number) raw).longValue();
        }
        if (raw instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw ConfigException.invalid(keyPrefix + path, raw, "expected a whole number");
    }

    double number(String path) {
        Object raw = present(path).unwrapped();
        if (raw instanceof Number n) {
            return n.doubleValue();
        }
        if (raw instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw ConfigException.invalid(keyPrefix + path, raw, "expected a number");
    }

    private ConfigValue present(String path) {
        if (!config.hasPathOrNull(path) || config.getIsNull(path)) {
            throw new ConfigException(keyPrefix + path, "is required");
        }
        return config.getValue(path);
    }
}
