package io.normdrop.config;

/**
 * A job configuration that cannot be used: an unknown key, a value of the wrong type, or a
 * value out of its valid range. The message names the key, the value and what is allowed.
 */
public final class ConfigException extends RuntimeException {
    private final String key;

    public ConfigException(String key, String message) {
        super(key + ": " + message);
        this.key = key;
    }

    ConfigException(String key, String message, Throwable cause) {
        super(key + ": " + message, cause);
        this.key = key;
    }

    private ConfigException(ConfigException located, String origin) {
        super(origin + ": " + located.getMessage(), located);
        this.key = located.key;
    }

    /** The job key at fault, as a user writes it: {@code training.epochs}, {@code model.layers[1].units}. */
    public String key() {
        return key;
    }

    /** The same error, prefixed with where the value came from ({@code jobs/x.conf:12}). */
    ConfigException at(String origin) {
        return new ConfigException(this, origin);
    }

    public static ConfigException invalid(String key, Object value, String allowed) {
        return new ConfigException(key, "invalid value " + quote(value) + " (" + allowed + ")");
    }

    private static String quote(Object value) {
        return value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
    }
}
