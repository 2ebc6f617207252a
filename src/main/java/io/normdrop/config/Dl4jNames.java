package io.normdrop.config;

import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Maps the lower-case names in job files to DL4J's enums, listing the valid names on error. */
final class Dl4jNames {
    private Dl4jNames() {
    }

    static Activation activation(String key, String name) {
        return parse(key, name, Activation.class);
    }

    static WeightInit weightInit(String key, String name) {
        return parse(key, name, WeightInit.class);
    }

    static LossFunction loss(String key, String name) {
        return parse(key, name, LossFunction.class);
    }

    private static <E extends Enum<E>> E parse(String key, String name, Class<E> type) {
        String wanted = name.trim().toUpperCase(Locale.ROOT);
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(wanted)) {
                return e;
            }
        }
        String names = Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
        throw ConfigException.invalid(key, name, "one of: " + names);
    }
}
