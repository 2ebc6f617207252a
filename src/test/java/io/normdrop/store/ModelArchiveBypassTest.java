package io.normdrop.store;

import io.normdrop.data.DataException;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ways around the configuration check that were found by trying (issue 28), each with its
 * control: a class planted on the class path, whose static initializer marks that it ran, is
 * initialized by DL4J's own reader of the same file and not by Normdrop's. And the bounds on what
 * a model file may make the reader allocate: an array header declaring more than the network
 * has, an entry that inflates without end.
 */
class ModelArchiveBypassTest {
    static final AtomicBoolean DUPLICATE = new AtomicBoolean();
    static final AtomicBoolean GENERIC = new AtomicBoolean();
    static final AtomicBoolean WRAPPED = new AtomicBoolean();

    /** Named by the first of two "@class" keys in one object. */
    public static final class Duplicate {
        static {
            DUPLICATE.set(true);
        }
    }

    /** Named as the type parameter of an allowed class. */
    public static final class Generic {
        static {
            GENERIC.set(true);
        }
    }

    /** Named as the first element of Jackson's wrapper-array form of a type id, with a type parameter. */
    public static final class Wrapped {
        static {
            WRAPPED.set(true);
        }
    }

    private static final Pattern ACTIVATION = Pattern.compile("\"@class\"\\s*:\\s*\"(org\\.nd4j\\.linalg\\.activations\\.impl\\.\\w+)\"");

    static String configuration(File model) throws IOException {
        try (ZipFile zip = new ZipFile(model)) {
            return new String(zip.getInputStream(zip.getEntry(ModelArchive.CONFIGURATION)).readAllBytes(),
                    StandardCharsets.UTF_8);
        }
    }

    /** The honest configuration with its first activation's type id replaced by {@code replacement} ($1: the class). */
    static String edited(File model, String replacement) throws IOException {
        String json = configuration(model);
        Matcher m = ACTIVATION.matcher(json);
        assertTrue(m.find(), json);
        return m.replaceFirst(Matcher.quoteReplacement(replacement).replace("\\$1", "$1"));
    }

    static File withConfiguration(File model, Path dir, String json) throws IOException {
        return ModelArchiveTest.tampered(model, dir, "evil.zip",
                Map.of(ModelArchive.CONFIGURATION, json.getBytes(StandardCharsets.UTF_8)));
    }

    /** DL4J's own reader of model files, which may fail once the planted class has run. */
    static void dl4jReads(File model) {
        try {
            ModelSerializer.restoreMultiLayerNetwork(model, false);
        } catch (Exception | LinkageError e) {
            // The class ran when it was initialized; what DL4J does after does not matter.
        }
    }

    @Test
    void aTypeKeyTwiceInOneObjectIsRefusedAndItsFirstClassNeverLoads(@TempDir Path dir) throws Exception {
        File model = ModelArchiveTest.honest(dir);
        File evil = withConfiguration(model, dir, edited(model,
                "\"@class\" : \"" + Duplicate.class.getName() + "\", \"@class\" : \"$1\""));
        DataException e = assertThrows(DataException.class, () -> ModelArchiveTest.read(evil, "evil.zip", a -> a.network(false)));
        assertTrue(e.getMessage().startsWith("evil.zip: refused configuration.json: not valid JSON: Duplicate field '@class'"),
                e.getMessage());
        assertFalse(DUPLICATE.get(), "the planted class did not load");

        dl4jReads(evil);
        assertTrue(DUPLICATE.get(), "the control: DL4J's reader takes the first key and initializes the class");
    }

    @Test
    void aTypeIdWithATypeParameterIsRefusedAndItsParameterNeverLoads(@TempDir Path dir) throws Exception {
        File model = ModelArchiveTest.honest(dir);
        String generic = "$1<" + Generic.class.getName() + ">";
        File evil = withConfiguration(model, dir, edited(model, "\"@class\" : \"" + generic + "\""));
        DataException e = assertThrows(DataException.class, () -> ModelArchiveTest.read(evil, "evil.zip", a -> a.network(false)));
        assertTrue(e.getMessage().matches("evil\\.zip: refused configuration\\.json: names type "
                + "org\\.nd4j\\.linalg\\.activations\\.impl\\.\\w+<" + Pattern.quote(Generic.class.getName())
                + ">, which is not a plain class name"), e.getMessage());
        assertFalse(GENERIC.get(), "the planted class did not load");

        dl4jReads(evil);
        assertTrue(GENERIC.get(), "the control: DL4J's reader resolves the type parameter and initializes it");
    }

    @Test
    void aWrapperArrayTypeIdIsCheckedWhateverItsSpelling(@TempDir Path dir) throws Exception {
        File model = ModelArchiveTest.honest(dir);
        String json = configuration(model);
        // [type id, value] in place of the activation object; the type id an allowed class with a type parameter.
        String id = "org.nd4j.linalg.activations.impl.ActivationReLU<" + Wrapped.class.getName() + ">";
        String wrapped = json.replaceFirst("\"activationFn\"\\s*:\\s*\\{[^}]*\\}",
                Matcher.quoteReplacement("\"activationFn\" : [ \"" + Wrapped.class.getName() + "\", { } ]"));
        assertFalse(wrapped.equals(json));
        File evil = withConfiguration(model, dir, wrapped);
        DataException e = assertThrows(DataException.class, () -> ModelArchiveTest.read(evil, "evil.zip", a -> a.network(false)));
        assertEquals("evil.zip: refused configuration.json: names class " + Wrapped.class.getName() + ", which is not a "
                + "DL4J or ND4J configuration class or one of Normdrop's layers", e.getMessage());
        File generic = withConfiguration(model, Files.createDirectories(dir.resolve("generic")),
                wrapped.replace(Wrapped.class.getName(), id));
        e = assertThrows(DataException.class, () -> ModelArchiveTest.read(generic, "evil.zip", a -> a.network(false)));
        assertEquals("evil.zip: refused configuration.json: names type " + id + ", which is not a plain class name",
                e.getMessage());
        assertFalse(WRAPPED.get(), "the planted class did not load");

        dl4jReads(evil);
        assertTrue(WRAPPED.get(), "the control: DL4J's reader takes the wrapper array's type id and initializes it");
    }

    /** An ND4J array header for a float row vector of {@code n} values, with no values after it. */
    static byte[] header(long n) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF("MIXED_DATA_TYPES");
            out.writeLong(8);
            out.writeUTF("LONG");
            for (long v : new long[]{2, 1, n, n, 1, 8192, 1, 'c'}) {
                out.writeLong(v);
            }
            out.writeUTF("MIXED_DATA_TYPES");
            out.writeLong(n);
            out.writeUTF("FLOAT");
        }
        return bytes.toByteArray();
    }

    @Test
    void aSmallEntryDeclaringAHugeArrayIsRefusedBeforeAnythingIsAllocated(@TempDir Path dir) throws Exception {
        File model = ModelArchiveTest.honest(dir);
        long params = ModelArchiveTest.network().numParams();
        // 10 GB of floats declared in about a hundred bytes.
        byte[] huge = header(2_500_000_000L);
        assertTrue(huge.length < 1024);
        File evil = ModelArchiveTest.tampered(model, dir, "evil.zip", Map.of(ModelArchive.COEFFICIENTS, huge));
        DataException e = assertThrows(DataException.class, () -> ModelArchiveTest.read(evil, "evil.zip", a -> a.network(false)));
        assertEquals("evil.zip: refused coefficients.bin: it declares 2500000000 values, the network has " + params,
                e.getMessage());

        // The right count, but a shape that says otherwise.
        byte[] lying = header(params);
        lying[2 + 16 + 8 + 2 + 4 + 2 * 8 + 7] = 127; // shape [1, 127] for the declared values
        File shaped = ModelArchiveTest.tampered(model, dir, "shaped.zip", Map.of(ModelArchive.COEFFICIENTS, lying));
        e = assertThrows(DataException.class, () -> ModelArchiveTest.read(shaped, "shaped.zip", a -> a.network(false)));
        assertTrue(e.getMessage().startsWith("shaped.zip: refused coefficients.bin: it declares " + params
                + " values for a shape of "), e.getMessage());
    }

    /** {@code model} with {@code padding} bytes of zeros after the honest content of {@code entry}. */
    static File inflating(File model, Path dir, String entry, long padding) throws IOException {
        File out = dir.resolve("bomb.zip").toFile();
        try (ZipFile in = new ZipFile(model); ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out.toPath()))) {
            for (ZipEntry e : Collections.list(in.entries())) {
                zip.putNextEntry(new ZipEntry(e.getName()));
                in.getInputStream(e).transferTo(zip);
                if (e.getName().equals(entry)) {
                    byte[] zeros = new byte[1 << 20];
                    for (long written = 0; written < padding; written += zeros.length) {
                        zip.write(zeros);
                    }
                }
            }
        }
        return out;
    }

    @Test
    void anEntryThatInflatesWithoutEndIsRefusedAtItsBound(@TempDir Path dir) throws Exception {
        File model = ModelArchiveTest.honest(dir);
        File bomb = inflating(model, dir, ModelArchive.COEFFICIENTS, 1L << 30);
        assertTrue(bomb.length() < 4 << 20, "1 GiB of parameters in " + bomb.length() + " bytes");
        DataException e = assertThrows(DataException.class, () -> ModelArchiveTest.read(bomb, "bomb.zip", a -> a.network(false)));
        assertEquals("bomb.zip: refused coefficients.bin: more bytes after its "
                + ModelArchiveTest.network().numParams() + " values", e.getMessage());

        File json = inflating(model, Files.createDirectories(dir.resolve("json")), ModelArchive.CONFIGURATION, 1L << 30);
        e = assertThrows(DataException.class, () -> ModelArchiveTest.read(json, "bomb.zip", a -> a.network(false)));
        assertEquals("bomb.zip: refused configuration.json: more than " + ModelArchive.MAX_CONFIGURATION_BYTES + " bytes",
                e.getMessage());
    }
}
