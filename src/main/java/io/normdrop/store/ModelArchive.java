package io.normdrop.store;

import io.normdrop.data.DataException;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.serializer.NormalizerSerializer;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.util.Optional;
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
 *       own layers ({@link ConfigurationCheck#ALLOWED_CLASSES}), each type id a plain class name (no type
 *       parameters, no arrays), checked before DL4J parses it; a key twice in one object is
 *       refused (DL4J's parser would take the first, a tree the last), and DL4J parses the very
 *       tree that was checked, written out anew, never the file's own text;</li>
 *   <li>the parameters and updater state are ND4J's binary arrays (no classes in them), checked
 *       ({@link NdArrays}) to hold exactly the network's own parameter and updater-state counts
 *       before ND4J allocates anything;</li>
 *   <li>every entry is read through a bound ({@value #MAX_CONFIGURATION_BYTES} bytes for the
 *       configuration, {@value #MAX_ENTRY_BYTES} for a text or normalizer, the array's size for an
 *       array), so an entry that inflates without end is refused when it passes its bound;</li>
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

    /** The most bytes of the configuration (a network's takes a few KB). */
    static final int MAX_CONFIGURATION_BYTES = 16 << 20;
    /** The most bytes of a text entry under objects/ or of a normalizer. */
    static final int MAX_ENTRY_BYTES = 256 << 20;
    /** Only strings: Java serialization of anything else in a model file is refused. */
    private static final ObjectInputFilter STRINGS_ONLY = ObjectInputFilter.Config.createFilter("maxdepth=1;!*");

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
            MultiLayerConfiguration conf = ConfigurationCheck.read(name, bytes(configuration, MAX_CONFIGURATION_BYTES));
            long parameters = ConfigurationCheck.parameters(name, conf);
            boolean none = coefficients.getSize() == 0 && zip.getEntry(NO_PARAMS) != null;
            if (none && parameters > 0) {
                throw refused(COEFFICIENTS, "empty, but the network has " + parameters + " parameters");
            }
            INDArray params = none ? null : array(coefficients, parameters);
            MultiLayerNetwork network = new MultiLayerNetwork(conf);
            try {
                network.init(params, false);
            } catch (RuntimeException e) {
                // Found by fuzzing: a configuration DL4J parses but cannot build (a null setting: a NullPointerException).
                throw refused(CONFIGURATION, "DL4J cannot build a network from it (" + rootMessage(e) + ")");
            }
            ZipEntry updater = withUpdater ? zip.getEntry(UPDATER_STATE) : null;
            if (updater != null) {
                INDArray view = network.getUpdater().getStateViewArray();
                network.getUpdater().setStateViewArray(network, array(updater, view == null ? 0 : view.length()), false);
            }
            return network;
        } catch (IOException e) {
            throw new DataException(name + ": not a readable model file: " + e.getMessage(), e);
        }
    }

    /** Entry {@code entry} whole, refused when it holds more than {@code limit} bytes (whatever its header says). */
    private byte[] bytes(ZipEntry entry, int limit) throws IOException {
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] b = in.readNBytes(limit);
            if (in.read() >= 0) {
                throw refused(entry.getName(), "more than " + limit + " bytes");
            }
            return b;
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
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes(entry, MAX_ENTRY_BYTES)))) {
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
            byte[] bytes = bytes(entry, MAX_ENTRY_BYTES);
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
            try {
                NdArrays.checkAll(bytes);
            } catch (NdArrays.Refused e) {
                throw refused(NORMALIZER, e.getMessage());
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

    /**
     * The array in {@code entry}, which must hold {@code expected} elements: checked before ND4J
     * reads it, and refused if anything follows it.
     */
    private INDArray array(ZipEntry entry, long expected) throws IOException {
        try (BufferedInputStream in = new BufferedInputStream(zip.getInputStream(entry), NdArrays.MAX_PREFIX)) {
            in.mark(NdArrays.MAX_PREFIX);
            try {
                NdArrays.check(in, expected);
            } catch (NdArrays.Refused e) {
                throw refused(entry.getName(), e.getMessage());
            } catch (java.io.EOFException e) {
                throw refused(entry.getName(), "cut short");
            }
            in.reset();
            INDArray array;
            try {
                array = Nd4j.read(new DataInputStream(in));
            } catch (RuntimeException e) {
                // The headers were checked: what fails now is the data (ND4J wraps an EOFException twice).
                throw refused(entry.getName(), "its " + expected + " values are cut short or unreadable ("
                        + rootMessage(e) + ")");
            }
            if (in.read() >= 0) {
                throw refused(entry.getName(), "more bytes after its " + expected + " values");
            }
            return array;
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    private DataException refused(String entry, String why) {
        return refused(name, entry, why);
    }

    /** The refusal of entry {@code entry} of the model file {@code file}, saying why. */
    static DataException refused(String file, String entry, String why) {
        return new DataException(file + ": refused " + entry + ": " + why);
    }
}
