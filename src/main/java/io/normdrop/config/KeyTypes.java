package io.normdrop.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValueFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The types of job keys' values ({@link Key.Type}): how each is read from a HOCON value, errors
 * naming the key, the value and what it expects, and written back as HOCON text for
 * {@code conf/job-defaults.conf}. Where a number is expected, a string holding one is read as it.
 */
final class KeyTypes {
    private KeyTypes() {
    }

    /** Reads a key's unwrapped HOCON value; errors name {@code key}. */
    @FunctionalInterface
    private interface Reader<T> {
        T read(Object raw, String key);
    }

    private static <T> Key.Type<T> type(Reader<T> reader, Function<T, String> renderer) {
        return new Key.Type<>() {
            @Override
            public T read(Config c, String path, String key) {
                return reader.read(c.getValue(path).unwrapped(), key);
            }

            @Override
            public String render(T value) {
                return renderer.apply(value);
            }
        };
    }

    /**
     * A number: {@code exact} takes the HOCON values that are one as they are (null for the
     * others), and a string holding one is parsed.
     */
    private static <N> N numeric(Object raw, String key, String expected, Function<Object, N> exact,
                                 Function<String, N> parse) {
        N value = exact.apply(raw);
        if (value != null) {
            return value;
        }
        if (raw instanceof String s) {
            try {
                return parse.apply(s.trim());
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw ConfigException.invalid(key, raw, expected);
    }

    private static final Reader<Long> WHOLE = (raw, key) -> numeric(raw, key, "expected a whole number",
            r -> r instanceof Integer || r instanceof Long ? ((Number) r).longValue() : null, Long::parseLong);

    static final Key.Type<Long> LONG = type(WHOLE, String::valueOf);

    static final Key.Type<Integer> INTEGER = type((raw, key) -> {
        long value = WHOLE.read(raw, key);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw ConfigException.invalid(key, value, "out of range for a whole number");
        }
        return (int) value;
    }, String::valueOf);

    static final Key.Type<Double> NUMBER = type((raw, key) -> numeric(raw, key, "expected a number",
            r -> r instanceof Number n ? n.doubleValue() : null, Double::parseDouble),
            value -> value == Math.rint(value) && Math.abs(value) < 1e15 ? String.valueOf(value.longValue())
                    : String.valueOf(value));

    static final Key.Type<Boolean> BOOLEAN = type((raw, key) -> {
        if (raw instanceof Boolean b) {
            return b;
        }
        throw ConfigException.invalid(key, raw, "expected true or false");
    }, String::valueOf);

    private static final Reader<String> STRING_READER = (raw, key) -> {
        if (raw instanceof String s) {
            return s;
        }
        throw ConfigException.invalid(key, raw, "expected a string");
    };

    static final Key.Type<String> STRING = type(STRING_READER, value -> value.matches("[A-Za-z][A-Za-z0-9_-]*")
            && !value.equals("null") && !value.equals("true") && !value.equals("false") ? value : ConfigUtil.quoteString(value));

    /** A string, or a whole number as its text. */
    static final Key.Type<String> SCALAR = type((raw, key) -> raw instanceof Integer || raw instanceof Long
            ? raw.toString() : STRING_READER.read(raw, key), value -> value.matches("\\d{1,9}") ? value : STRING.render(value));

    static final Key.Type<List<String>> STRINGS = type((raw, key) -> {
        if (raw instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
            return list.stream().map(String.class::cast).toList();
        }
        throw ConfigException.invalid(key, raw, "expected a list of strings");
    }, value -> value.stream().map(ConfigUtil::quoteString).collect(Collectors.joining(", ", "[", "]")));

    static final Key.Type<List<Integer>> INTEGERS = type((raw, key) -> {
        if (!(raw instanceof List<?> list)) {
            throw ConfigException.invalid(key, raw, "expected a list of whole numbers, e.g. [3, 3]");
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(INTEGER.read(ConfigValueFactory.fromAnyRef(list.get(i)).atKey("v"), "v",
                    key + "[" + i + "]"));
        }
        return List.copyOf(out);
    }, value -> value.stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]")));

    /** Properties with free names, nested objects flattened to dotted names: {@code spark.executor.memory}. */
    static final Key.Type<Map<String, String>> PROPERTIES = type((raw, key) -> {
        if (!(raw instanceof Map<?, ?> map)) {
            throw ConfigException.invalid(key, raw, "an object of properties");
        }
        Map<String, String> out = new LinkedHashMap<>();
        flatten(key, "", map, out);
        return out;
    }, value -> value.entrySet().stream().map(e -> ConfigUtil.quoteString(e.getKey()) + " = "
            + ConfigUtil.quoteString(e.getValue())).collect(Collectors.joining(", ", "{", "}")));

    private static void flatten(String key, String prefix, Map<?, ?> map, Map<String, String> out) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String name = prefix.isEmpty() ? e.getKey().toString() : prefix + "." + e.getKey();
            if (e.getValue() instanceof Map<?, ?> inner) {
                flatten(key, name, inner, out);
            } else if (e.getValue() instanceof List<?> || e.getValue() == null) {
                throw ConfigException.invalid(key + "." + name, e.getValue(), "a string, number or boolean");
            } else {
                out.put(name, String.valueOf(e.getValue()));
            }
        }
    }

    /** One constant of {@code type} by its job-file name ({@link Key#name}). */
    static <E extends Enum<E>> Key.Type<E> oneOf(Class<E> type) {
        return type((raw, key) -> parse(key, STRING_READER.read(raw, key), type), Key::name);
    }

    /** The constant of {@code type} named {@code name} (any case; '-' for '_'); an error lists the names. */
    private static <E extends Enum<E>> E parse(String key, String name, Class<E> type) {
        String wanted = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(wanted)) {
                return e;
            }
        }
        throw ConfigException.invalid(key, name, "one of: " + Arrays.stream(type.getEnumConstants()).map(Key::name)
                .collect(Collectors.joining(", ")));
    }
}
