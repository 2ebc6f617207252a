package io.normdrop.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.normdrop.data.DataException;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import static io.normdrop.store.ModelArchive.CONFIGURATION;

/**
 * The check of a model file's DL4J configuration ({@code configuration.json}) before DL4J
 * parses it, for {@link ModelArchive}: strict JSON (a key twice in one object refused); every
 * class it names a plain class name under {@link #ALLOWED_CLASSES}; DL4J given the very tree
 * checked, written out anew; and the parameters it declares counted only after each layer's size
 * is bounded. Refusals are {@link DataException}s naming the model file.
 */
final class ConfigurationCheck {
    /** Package prefixes of the classes a model's configuration may name. */
    static final List<String> ALLOWED_CLASSES = List.of("org.deeplearning4j.nn.conf.", "org.deeplearning4j.nn.weights.",
            "org.nd4j.linalg.activations.", "org.nd4j.linalg.learning.", "org.nd4j.linalg.lossfunctions.",
            "org.nd4j.linalg.schedule.", "io.normdrop.nn.");
    /** The most units (or channels) of a layer, and parameters of a model (4 GiB of floats). */
    static final long MAX_UNITS = 1 << 20;
    static final long MAX_PARAMETERS = 1L << 30;
    /** A fully qualified class name, as Jackson's wrapper-array form of a type id would give it. */
    private static final Pattern CLASS_NAME = Pattern.compile("([A-Za-z_$][\\w$]*\\.)+[A-Za-z_$][\\w$]*");
    /** Strict: a key twice in one object is an error, not the last one kept. */
    private static final ObjectMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private ConfigurationCheck() {
    }

    /**
     * The configuration {@code json} holds, checked; {@code file} names the model file in refusals.
     *
     * @throws DataException when it is not valid JSON, names a class it may not, or is no DL4J configuration
     */
    static MultiLayerConfiguration read(String file, byte[] json) throws IOException {
        JsonNode tree;
        try {
            tree = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw refused(file, "not valid JSON: " + e.getOriginalMessage());
        }
        checkClasses(file, tree);
        try {
            // DL4J parses the tree just checked, written out anew: not the file's text a second time.
            return MultiLayerConfiguration.fromJson(JSON.writeValueAsString(tree));
        } catch (RuntimeException e) {
            throw new DataException(file + ": " + CONFIGURATION + " is not a DL4J MultiLayerNetwork configuration: "
                    + e.getMessage(), e);
        }
    }

    /**
     * The parameters {@code conf} declares, counted as DL4J's initializers count them, after
     * bounding each layer's size so that the count cannot overflow; {@code file} names the model
     * file in refusals.
     */
    static long parameters(String file, MultiLayerConfiguration conf) {
        long total = 0;
        for (NeuralNetConfiguration c : conf.getConfs()) {
            if (c == null || c.getLayer() == null) {
                // Found by fuzzing: a layer's configuration without its layer (a NullPointerException, exit 70).
                throw refused(file, "a layer's configuration has no layer");
            }
            if (c.getLayer() instanceof FeedForwardLayer f && (f.getNIn() > MAX_UNITS || f.getNOut() > MAX_UNITS)) {
                throw refused(file, "declares a layer of " + f.getNIn() + " inputs and " + f.getNOut()
                        + " outputs, more than " + MAX_UNITS);
            }
            if (c.getLayer() instanceof ConvolutionLayer k
                    && Arrays.stream(k.getKernelSize()).asLongStream().reduce(1, (a, b) -> a * Math.max(1, b)) > MAX_UNITS) {
                throw refused(file, "declares a kernel of " + Arrays.toString(k.getKernelSize()) + ", more than "
                        + MAX_UNITS + " positions");
            }
            long n = c.getLayer().initializer().numParams(c);
            total += n;
            if (n < 0 || total > MAX_PARAMETERS) {
                throw refused(file, "declares more than " + MAX_PARAMETERS + " parameters");
            }
        }
        return total;
    }

    /** Every class the configuration names: {@code "@class"} values and wrapper-array type ids. */
    static List<String> namedClasses(JsonNode node) {
        List<String> names = new ArrayList<>();
        collect(node, names);
        return names;
    }

    private static void collect(JsonNode node, List<String> names) {
        if (node.isObject()) {
            node.fields().forEachRemaining(f -> {
                // Any spelling a case-insensitive mapper could take for the type property.
                if (f.getKey().equalsIgnoreCase("@class")) {
                    names.add(f.getValue().isTextual() ? f.getValue().asText() : f.getValue().toString());
                } else {
                    collect(f.getValue(), names);
                }
            });
        } else if (node.isArray()) {
            // Jackson's wrapper-array form of a type id: [type id, value].
            if (node.size() == 2 && node.get(0).isTextual() && node.get(1).isContainerNode()) {
                names.add(node.get(0).asText());
            }
            node.forEach(child -> collect(child, names));
        }
    }

    private static void checkClasses(String file, JsonNode configuration) {
        for (String c : namedClasses(configuration)) {
            if (!CLASS_NAME.matcher(c).matches()) {
                throw refused(file, "names type " + c + ", which is not a plain class name");
            }
            if (ALLOWED_CLASSES.stream().noneMatch(c::startsWith)) {
                throw refused(file, "names class " + c + ", which is not a DL4J or ND4J configuration "
                        + "class or one of Normdrop's layers");
            }
        }
    }

    private static DataException refused(String file, String why) {
        return ModelArchive.refused(file, CONFIGURATION, why);
    }
}
