package io.normdrop.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Maps the lower-case names in job files to enums (Normdrop's and DL4J's), case-insensitively,
 * listing the valid names on error.
 */
final class Names {
    private Names() {
    }

    /** The constant of {@code type} named {@code name} (any case; '-' for '_'). */
    static <E extends Enum<E>> E parse(String key, String name, Class<E> type) {
        String wanted = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(wanted)) {
                return e;
            }
        }
        String names = Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-'))
                .collect(Collectors.joining(", "));
        throw ConfigException.invalid(key, name, "one of: " + names);
    }
}
