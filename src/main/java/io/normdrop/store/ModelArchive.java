package io.normdrop.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.normdrop.data.DataException;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.serializer.NormalizerSerializer;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads a DL4J model zip (DL4J's {@code ModelSerializer} layout) without trusting it: a model
 * file from elsewhere must not run code in the JVM that loads it. DL4J's own reader
 * deserializes a {@code preprocessor.bin} entry as any Java object and its entries under
 * {@code objects/} likewise; its JSON configuration names the classes Jackson instantiates
 * ({@code "@class"}); and a custom normalizer names a class it instantiates. Here:
 * <ul>
 *   <li>the configuration may name only DL4J's and ND4J's configuration classes and Normdrop's
 *       own layers ({@link #ALLOWED_CLASSES}), checked before DL4J parses it;</li>
 *   <li>the parameters and updater state are ND4J's binary arrays (no classes in them);</li>
 *   <li>an {@code objects/} entry is read only if it is a serialized {@code String}
 *       (an {@link ObjectInputFilter} rejects every class);</li>
 *   <li>a model with a {@code preprocessor.bin} or a custom normalizer is refused.</li>
 * </ul>
 * Refusals are {@link DataException}s naming the file, the entry and the class.
 */
public final class ModelArchive implements AutoCloseable {
    static final String CONFIGURATION = "configuration.json";
    static final String COEFFICIENTS = "coefficients.bin";
    static final String UPDATER_STATE = "updaterState.bin";
    static final String NO_PARAMS = "noParams.marker";
    static final String PREPROCESSOR = "preprocessor.bin";
    static final String NORMALIZER = "normalizer.bin";
    static final String OBJECTS = "objects/";

    /** Package prefixes of the classes a model's configuration may name. */
    static final List<String> ALLOWED_CLASSES = List.of("org.deeplearning4j.nn.conf.", "org.deeplearning4j.nn.weights.",
            "org.nd4j.linalg.activations.", "org.nd4j.linalg.learning.", "org.nd4j.linalg.lossfunctions.",
            "org.nd4j.linalg.schedule.", "io.normdrop.nn.");
    /** A fully qualified class name, as Jackson's wrapper-array form of a type id would give it. */
    private static final Pattern CLASS_NAME = Pattern.compile("([A-Za-z_$][\\w$]*\\.)+[A-Za-z_$][\\w$]*");
    /** Only strings: Java serialization of anything else in a model file is refused. */
    private static final ObjectInputFilter STRINGS_ONLY = ObjectInputFilter.Config.createFilter("maxdepth=1;!*");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ZipFile zip;
    private final String name;

    private ModelArchive(ZipFile zip, String name) {
        this.zip = zip;
        this.name = name;
    }

    /**
     * Opens the model file {@code local}, a copy on local disk of {@code name} (which errors name).
     *
     * @throws DataException when it is not a zip file
     */
    public static ModelArchive open(File local, String name) {
        try {
            return new ModelArchive(new ZipFile(local), name);
        } catch (IOException e) {
            throw new DataException(name + ": not a readable model file: " + e.getMessage(), e);
        }
    }

    /**
     * The network.
     *
     * @param withUpdater also restore the updater state (training goes on from it)
     * @throws DataException when the file is no DL4J network or names a class it may not
     */
    public MultiLayerNetwork network(boolean withUpdater) {
        if (zip.getEntry(PREPROCESSOR) != null) {
            throw refused(PREPROCESSOR, "a serialized Java object (DL4J would deserialize it; Normdrop "
                    + "deserializes no Java objects from model files)");
        }
        ZipEntry configuration = zip.getEntry(CONFIGURATION);
        ZipEntry coefficients = zip.getEntry(COEFFICIENTS);
        if (configuration == null || coefficients == null) {
            throw new DataException(name + ": not a DL4J model file (no " + CONFIGURATION + " or " + COEFFICIENTS + ")");
        }
        try {
            String json;
            try (InputStream in = zip.getInputStream(configuration)) {
                json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
            checkClasses(JSON.readTree(json));
            MultiLayerConfiguration conf;
            try {
                conf = MultiLayerConfiguration.fromJson(json);
            } catch (RuntimeException e) {
                throw new DataException(name + ": " + CONFIGURATION + " is not a DL4J MultiLayerNetwork configuration: "
                        + e.getMessage(), e);
            }
            INDArray params = coefficients.getSize() == 0 && zip.getEntry(NO_PARAMS) != null ? null : array(coefficients);
            MultiLayerNetwork network = new MultiLayerNetwork(conf);
            network.init(params, false);
            ZipEntry updater = withUpdater ? zip.getEntry(UPDATER_STATE) : null;
            if (updater != null) {
                network.getUpdater().setStateViewArray(network, array(updater), false);
            }
            return network;
        } catch (IOException e) {
            throw new DataException(name + ": not a readable model file: " + e.getMessage(), e);
        }
    }

    /**
     * The text stored under {@code objects/KEY} (DL4J's {@code ModelSerializer.addObjectToFile}
     * of a String); empty when there is no such entry.
     *
     * @throws DataException when the entry holds anything but a String
     */
    public Optional<String> text(String key) {
        ZipEntry entry = zip.getEntry(OBJECTS + key);
        if (entry == null) {
            return Optional.empty();
        }
        try (ObjectInputStream in = new ObjectInputStream(zip.getInputStream(entry))) {
            in.setObjectInputFilter(STRINGS_ONLY);
            Object value = in.readObject();
            if (value instanceof String s) {
                return Optional.of(s);
            }
            throw refused(OBJECTS + key, "not a String");
        } catch (java.io.InvalidClassException | ClassNotFoundException e) {
            throw refused(OBJECTS + key, "a serialized Java object other than a String (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new DataException(name + ": cannot read " + OBJECTS + key + ": " + e.getMessage(), e);
        }
    }

    /**
     * DL4J's normalizer entry of the model; empty when there is none.
     *
     * @throws DataException when it is a custom normalizer (its class would be instantiated)
     */
    public Optional<DataNormalization> normalizer() {
        ZipEntry entry = zip.getEntry(NORMALIZER);
        if (entry == null) {
            return Optional.empty();
        }
        try {
            byte[] bytes;
            try (InputStream in = zip.getInputStream(entry)) {
                bytes = in.readAllBytes();
            }
            // NormalizerSerializer's header: "NORMALIZER", a version, the type; a CUSTOM type names a class to instantiate.
            try (DataInputStream header = new DataInputStream(new ByteArrayInputStream(bytes))) {
                header.readUTF();
                header.readInt();
                String type = header.readUTF();
                if (type.equals("CUSTOM")) {
                    throw refused(NORMALIZER, "a custom normalizer (class " + header.readUTF()
                            + "); only DL4J's standard normalizers are read");
                }
            }
            return Optional.of(NormalizerSerializer.getDefault().restore(new ByteArrayInputStream(bytes)));
        } catch (DataException e) {
            throw e;
        } catch (Exception e) {
            throw new DataException(name + ": unreadable " + NORMALIZER + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            zip.close();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private INDArray array(ZipEntry entry) throws IOException {
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(zip.getInputStream(entry)))) {
            return Nd4j.read(in);
        }
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
                if (f.getKey().equals("@class")) {
                    names.add(f.getValue().asText());
                } else {
                    collect(f.getValue(), names);
                }
            });
        } else if (node.isArray()) {
            if (node.size() == 2 && node.get(0).isTextual() && CLASS_NAME.matcher(node.get(0).asText()).matches()
                    && node.get(1).isContainerNode()) {
                names.add(node.get(0).asText());
            }
            node.forEach(child -> collect(child, names));
        }
    }

    private void checkClasses(JsonNode configuration) {
        for (String c : namedClasses(configuration)) {
            if (ALLOWED_CLASSES.stream().noneMatch(c::startsWith)) {
                throw refused(CONFIGURATION, "names class " + c + ", which is not a DL4J or ND4J configuration "
                        + "class or one of Normdrop's layers");
            }
        }
    }

    private DataException refused(String entry, String why) {
        return new DataException(name + ": refused " + entry + ": " + why);
    }
}
