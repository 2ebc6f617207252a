package io.normdrop.config;

import com.typesafe.config.Config;

import java.util.List;
import java.util.Locale;
import java.util.Map;

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

    /** How a key's value is read from HOCON and written back; {@link KeyTypes} has one per kind of value. */
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
        return new Key<>(path, KeyTypes.INTEGER, defaultValue, false, meaning, rule);
    }

    static Key<Long> whole(String path, long defaultValue, String meaning) {
        return new Key<>(path, KeyTypes.LONG, defaultValue, false, meaning, Rule.ANY);
    }

    static Key<Double> number(String path, double defaultValue, String meaning, Rule<? super Double> rule) {
        return new Key<>(path, KeyTypes.NUMBER, defaultValue, false, meaning, rule);
    }

    /** A number that may be null (not set). */
    static Key<Double> optionalNumber(String path, String meaning, Rule<? super Double> rule) {
        return new Key<>(path, KeyTypes.NUMBER, null, true, meaning, rule);
    }

    static Key<Boolean> bool(String path, boolean defaultValue, String meaning) {
        return new Key<>(path, KeyTypes.BOOLEAN, defaultValue, false, meaning, Rule.ANY);
    }

    static Key<String> string(String path, String defaultValue, String meaning, Rule<? super String> rule) {
        return new Key<>(path, KeyTypes.STRING, defaultValue, false, meaning, rule);
    }

    /** A string that may be null; {@code rule} sees only values that are set. */
    static Key<String> optionalString(String path, String defaultValue, String meaning, Rule<? super String> rule) {
        return new Key<>(path, KeyTypes.STRING, defaultValue, true, meaning, rule);
    }

    /** A string, or a whole number taken as its text (a column given by name or by index). */
    static Key<String> scalar(String path, String defaultValue, String meaning) {
        return new Key<>(path, KeyTypes.SCALAR, defaultValue, false, meaning, Rule.ANY);
    }

    /** Like {@link #scalar}, but may be null (not set). */
    static Key<String> optionalScalar(String path, String meaning) {
        return new Key<>(path, KeyTypes.SCALAR, null, true, meaning, Rule.ANY);
    }

    static Key<List<String>> strings(String path, String meaning) {
        return new Key<>(path, KeyTypes.STRINGS, List.of(), false, meaning, Rule.ANY);
    }

    /** A list of whole numbers, e.g. an image shape {@code [1, 28, 28]}. */
    static Key<List<Integer>> integers(String path, List<Integer> defaultValue, String meaning,
                                       Rule<? super List<Integer>> rule) {
        return new Key<>(path, KeyTypes.INTEGERS, defaultValue, false, meaning, rule);
    }

    /** A list of whole numbers that may be null (not set), e.g. a kernel size {@code [3, 3]}. */
    static Key<List<Integer>> optionalIntegers(String path, String meaning, Rule<? super List<Integer>> rule) {
        return new Key<>(path, KeyTypes.INTEGERS, null, true, meaning, rule);
    }

    /** One constant of {@code type} by its job-file name: lower case, '-' for '_'. */
    static <E extends Enum<E>> Key<E> oneOf(String path, Class<E> type, E defaultValue, String meaning) {
        return new Key<>(path, KeyTypes.oneOf(type), defaultValue, defaultValue == null, meaning, Rule.ANY);
    }

    /** An object of string properties whose names are free (e.g. Spark properties). */
    static Key<Map<String, String>> properties(String path, String meaning, Rule<? super Map<String, String>> rule) {
        return new Key<>(path, KeyTypes.PROPERTIES, Map.of(), false, meaning, rule);
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

    /** The job-file name of an enum constant: lower case, '-' for '_'. */
    public static String name(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
