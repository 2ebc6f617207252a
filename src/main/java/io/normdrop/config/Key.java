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
 * One job key, declared once: where it is in a job file, its type, its default, what it means
 * and which values it takes. The records of this package hold their keys as constants, read
 * their values through them and check their components with them; {@link JobSchema} lists them
 * all, in the order {@code conf/job-defaults.conf} shows them, and renders that file from them.
 *
 * @param <T> the value's Java type
 */
public final class Key<T> {
    private final String path;
    private final Type<T> type;
    private final T defaultValue;
    private final boolean nullable;
    private final String meaning;
    private final Rule<? super T> rule;

    private Key(String path, Type<T> type, T defaultValue, boolean nullable, String meaning, Rule<? super T> rule) {
        if (meaning == null || meaning.isBlank()) {
            throw new IllegalArgumentException(path + ": every key says what it means");
        }
        this.path = path;
        this.type = type;
        this.defaultValue = defaultValue;
        this.nullable = nullable;
        this.meaning = meaning;
        this.rule = rule;
    }

    /** How a key's value is read from HOCON and written back. */
    interface Type<T> {
        /** The value at {@code path} of {@code c}, present and not null; errors name {@code key}. */
        T read(Config c, String path, String key);

        /** The value as HOCON text. */
        String render(T value);
    }

    /** A rule a key's values keep; {@link Rules} has the usual ones. */
    @FunctionalInterface
    public interface Rule<T> {
        Rule<Object> ANY = (key, value) -> {
        };

        /** @throws ConfigException naming the key, the value and what is allowed */
        void check(String key, T value);
    }

    // ---- declarations ---------------------------------------------------------------------

    static Key<Integer> integer(String path, int defaultValue, String meaning, Rule<? super Integer> rule) {
        return new Key<>(path, INTEGER, defaultValue, false, meaning, rule);
    }

    static Key<Long> whole(String path, long defaultValue, String meaning) {
        return new Key<>(path, LONG, defaultValue, false, meaning, Rule.ANY);
    }

    static Key<Double> number(String path, double defaultValue, String meaning, Rule<? super Double> rule) {
        return new Key<>(path, NUMBER, defaultValue, false, meaning, rule);
    }

    /** A number that may be null (not set). */
    static Key<Double> optionalNumber(String path, String meaning, Rule<? super Double> rule) {
        return new Key<>(path, NUMBER, null, true, meaning, rule);
    }

    static Key<Boolean> bool(String path, boolean defaultValue, String meaning) {
        return new Key<>(path, BOOLEAN, defaultValue, false, meaning, Rule.ANY);
    }

    static Key<String> string(String path, String defaultValue, String meaning, Rule<? super String> rule) {
        return new Key<>(path, STRING, defaultValue, false, meaning, rule);
    }

    /** A string that may be null; {@code rule} sees only values that are set. */
    static Key<String> optionalString(String path, String defaultValue, String meaning, Rule<? super String> rule) {
        return new Key<>(path, STRING, defaultValue, true, meaning, rule);
    }

    /** A string, or a whole number taken as its text (a column given by name or by index). */
    static Key<String> scalar(String path, String defaultValue, String meaning) {
        return new Key<>(path, SCALAR, defaultValue, false, meaning, Rule.ANY);
    }

    /** Like {@link #scalar}, but may be null (not set). */
    static Key<String> optionalScalar(String path, String meaning) {
        return new Key<>(path, SCALAR, null, true, meaning, Rule.ANY);
    }

    static Key<List<String>> strings(String path, String meaning) {
        return new Key<>(path, STRINGS, List.of(), false, meaning, Rule.ANY);
    }

    /** A list of whole numbers, e.g. an image shape {@code [1, 28, 28]}. */
    static Key<List<Integer>> integers(String path, List<Integer> defaultValue, String meaning,
                                       Rule<? super List<Integer>> rule) {
        return new Key<>(path, INTEGERS, defaultValue, false, meaning, rule);
    }

    /** A list of whole numbers that may be null (not set), e.g. a kernel size {@code [3, 3]}. */
    static Key<List<Integer>> optionalIntegers(String path, String meaning, Rule<? super List<Integer>> rule) {
        return new Key<>(path, INTEGERS, null, true, meaning, rule);
    }

    /** One constant of {@code type} by its job-file name: lower case, '-' for '_'. */
    static <E extends Enum<E>> Key<E> oneOf(String path, Class<E> type, E defaultValue, String meaning) {
        return new Key<>(path, type((raw, key) -> parse(key, STRING_READER.read(raw, key), type), Key::name), defaultValue,
                defaultValue == null, meaning, Rule.ANY);
    }

    /** An object of string properties whose names are free (e.g. Spark properties). */
    static Key<Map<String, String>> properties(String path, String meaning, Rule<? super Map<String, String>> rule) {
        return new Key<>(path, PROPERTIES, Map.of(), false, meaning, rule);
    }

    // ---- use ------------------------------------------------------------------------------

    /** Where the key is in a job file, e.g. {@code training.epochs}. */
    public String path() {
        return path;
    }

    /** The value a job gets when it does not set the key; null for keys that are unset by default. */
    public T defaultValue() {
        return defaultValue;
    }

    /** What the key means, its unit and its trade-offs, as {@code conf/job-defaults.conf} says it. */
    public String meaning() {
        return meaning;
    }

    /** The key's value in a resolved job, checked. */
    T read(Config c) {
        return read(c, path, path);
    }

    /**
     * The value at {@code at} of {@code c}, checked, or the default where {@code c} does not have
     * it (keys of list elements); errors name {@code key} ({@code model.layers[1].units}).
     */
    T read(Config c, String at, String key) {
        if (!c.hasPathOrNull(at) && defaultValue != null) {
            return defaultValue;
        }
        if (!c.hasPathOrNull(at) || c.getIsNull(at)) {
            if (nullable) {
                return null;
            }
            throw new ConfigException(key, "is required");
        }
        return check(key, type.read(c, at, key));
    }

    /** {@code value} if it keeps the key's rule. */
    public T check(T value) {
        return check(path, value);
    }

    T check(String key, T value) {
        if (value == null) {
            if (!nullable) {
                throw new ConfigException(key, "is required");
            }
            return null;
        }
        rule.check(key, value);
        return value;
    }

    /** The default as HOCON text. */
    String renderDefault() {
        return defaultValue == null ? "null" : type.render(defaultValue);
    }

    @Override
    public String toString() {
        return path;
    }

    // ---- types ------------------------------------------------------------------------------

    /** Reads a key's unwrapped HOCON value; errors name {@code key}. */
    @FunctionalInterface
    private interface Reader<T> {
        T read(Object raw, String key);
    }

    private static <T> Type<T> type(Reader<T> reader, Function<T, String> renderer) {
        return new Type<>() {
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

    private static final Type<Long> LONG = type(WHOLE, String::valueOf);

    private static final Type<Integer> INTEGER = type((raw, key) -> {
        long value = WHOLE.read(raw, key);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw ConfigException.invalid(key, value, "out of range for a whole number");
        }
        return (int) value;
    }, String::valueOf);

    private static final Type<Double> NUMBER = type((raw, key) -> numeric(raw, key, "expected a number",
            r -> r instanceof Number n ? n.doubleValue() : null, Double::parseDouble),
            value -> value == Math.rint(value) && Math.abs(value) < 1e15 ? String.valueOf(value.longValue())
                    : String.valueOf(value));

    private static final Type<Boolean> BOOLEAN = type((raw, key) -> {
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

    private static final Type<String> STRING = type(STRING_READER, value -> value.matches("[A-Za-z][A-Za-z0-9_-]*")
            && !value.equals("null") && !value.equals("true") && !value.equals("false") ? value : ConfigUtil.quoteString(value));

    /** A string, or a whole number as its text. */
    private static final Type<String> SCALAR = type((raw, key) -> raw instanceof Integer || raw instanceof Long
            ? raw.toString() : STRING_READER.read(raw, key), value -> value.matches("\\d{1,9}") ? value : STRING.render(value));

    private static final Type<List<String>> STRINGS = type((raw, key) -> {
        if (raw instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
            return list.stream().map(String.class::cast).toList();
        }
        throw ConfigException.invalid(key, raw, "expected a list of strings");
    }, value -> value.stream().map(ConfigUtil::quoteString).collect(Collectors.joining(", ", "[", "]")));

    private static final Type<List<Integer>> INTEGERS = type((raw, key) -> {
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
    private static final Type<Map<String, String>> PROPERTIES = type((raw, key) -> {
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

    /** The constant of {@code type} named {@code name} (any case; '-' for '_'); an error lists the names. */
    static <E extends Enum<E>> E parse(String key, String name, Class<E> type) {
        String wanted = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(wanted)) {
                return e;
            }
        }
        throw ConfigException.invalid(key, name, "one of: " + Arrays.stream(type.getEnumConstants()).map(Key::name)
                .collect(Collectors.joining(", ")));
    }

    /** The job-file name of an enum constant: lower case, '-' for '_'. */
    public static String name(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
