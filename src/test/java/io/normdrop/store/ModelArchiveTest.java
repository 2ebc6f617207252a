package io.normdrop.store;

import io.normdrop.data.DataException;
import io.normdrop.testing.Networks;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Model files from elsewhere: Normdrop's reader restores what DL4J's does from an honest model
 * file, and refuses the entries through which DL4J's own reader would run code (a serialized
 * object in preprocessor.bin or under objects/, a foreign class in the configuration, a custom
 * normalizer) without running it. Each refusal has its control: DL4J's reader does run it.
 */
class ModelArchiveTest {
    static final AtomicBoolean DESERIALIZED = new AtomicBoolean();
    static final AtomicBoolean INITIALIZED = new AtomicBoolean();

    /** What an attacker would put into a model file: its deserialization runs code. */
    static final class Gadget implements Serializable, org.nd4j.linalg.dataset.api.DataSetPreProcessor {
        private static final long serialVersionUID = 1L;

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            DESERIALIZED.set(true);
        }

        @Override
        public void preProcess(org.nd4j.linalg.dataset.api.DataSet dataSet) {
        }
    }

    /** A class whose loading runs code: a configuration or a normalizer header could name it. */
    public static final class Loaded {
        static {
            INITIALIZED.set(true);
        }
    }

    static MultiLayerNetwork network() {
        return Networks.of("""
                [
                  { type = weightnorm-dense, units = 8 }
                  { type = output, units = 4, dropout { keep = 0.5 } }
                ]
                """, 12);
    }

    /** What {@code reading} gets from the model file {@code file}, opened as {@code name}. */
    static <T> T read(File file, String name, java.util.function.Function<ModelArchive, T> reading) {
        try (ModelArchive archive = ModelArchive.open(file, name)) {
            return reading.apply(archive);
        }
    }

    static File honest(Path dir) throws IOException {
        File file = dir.resolve("model.zip").toFile();
        ModelSerializer.writeModel(network(), file, true);
        ModelSerializer.addObjectToFile(file, RunFiles.MODEL_PROVENANCE_ENTRY, "{\"job\": {}}");
        return file;
    }

    /** A copy of {@code model} with entries replaced or added. */
    static File tampered(File model, Path dir, String name, Map<String, byte[]> entries) throws IOException {
        File out = dir.resolve(name).toFile();
        try (ZipFile in = new ZipFile(model); ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out.toPath()))) {
            for (ZipEntry e : Collections.list(in.entries())) {
                if (!entries.containsKey(e.getName())) {
                    zip.putNextEntry(new ZipEntry(e.getName()));
                    in.getInputStream(e).transferTo(zip);
                }
            }
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
            }
        }
        return out;
    }

    static byte[] serialized(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }

    @Test
    void anHonestModelLoadsAsDl4jLoadsIt(@TempDir Path dir) throws IOException {
        File file = honest(dir);
        MultiLayerNetwork ours = read(file, "model.zip", a -> a.network(true));
        MultiLayerNetwork dl4j = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(dl4j.params(), ours.params());
        assertEquals(dl4j.getUpdater().getStateViewArray(), ours.getUpdater().getStateViewArray());
        assertEquals(dl4j.getLayerWiseConfigurations().toJson(), ours.getLayerWiseConfigurations().toJson());
        assertEquals("{\"job\": {}}", read(file, "model.zip", a -> a.text(RunFiles.MODEL_PROVENANCE_ENTRY)).orElseThrow());
        assertTrue(read(file, "model.zip", a -> a.text("absent.json")).isEmpty());
    }

    @Test
    void aSerializedObjectInPreprocessorBinIsRefusedUnread(@TempDir Path dir) throws Exception {
        File evil = tampered(honest(dir), dir, "evil.zip", Map.of(ModelArchive.PREPROCESSOR, serialized(new Gadget())));
        DESERIALIZED.set(false);
        DataException e = assertThrows(DataException.class, () -> read(evil, "evil.zip", a -> a.network(false)));
        assertEquals("evil.zip: refused preprocessor.bin: a serialized Java object (DL4J would deserialize it; "
                + "Normdrop deserializes no Java objects from model files)", e.getMessage());
        assertFalse(DESERIALIZED.get(), "nothing was deserialized");

        ModelSerializer.restoreMultiLayerNetwork(evil, false);
        assertTrue(DESERIALIZED.get(), "the control: DL4J's reader deserializes it");
    }

    @Test
    void anObjectOtherThanAStringUnderObjectsIsRefusedUnread(@TempDir Path dir) throws Exception {
        String entry = "objects/" + RunFiles.MODEL_PROVENANCE_ENTRY;
        File evil = tampered(honest(dir), dir, "evil.zip", Map.of(entry, serialized(new Gadget())));
        DESERIALIZED.set(false);
        DataException e = assertThrows(DataException.class,
                () -> read(evil, "evil.zip", a -> a.text(RunFiles.MODEL_PROVENANCE_ENTRY)));
        assertTrue(e.getMessage().startsWith("evil.zip: refused " + entry + ": a serialized Java object other than a String"),
                e.getMessage());
        assertFalse(DESERIALIZED.get(), "nothing was deserialized");

        ModelSerializer.getObjectFromFile(evil, RunFiles.MODEL_PROVENANCE_ENTRY);
        assertTrue(DESERIALIZED.get(), "the control: DL4J's reader deserializes it");
    }

    @Test
    void aConfigurationNamingAForeignClassIsRefusedBeforeTheClassLoads(@TempDir Path dir) throws Exception {
        File model = honest(dir);
        String json;
        try (ZipFile zip = new ZipFile(model)) {
            json = new String(zip.getInputStream(zip.getEntry(ModelArchive.CONFIGURATION)).readAllBytes(), StandardCharsets.UTF_8);
        }
        String foreign = json.replace("\"org.deeplearning4j.nn.conf.layers.OutputLayer\"", "\"" + Loaded.class.getName() + "\"");
        assertFalse(foreign.equals(json));
        File evil = tampered(model, dir, "evil.zip", Map.of(ModelArchive.CONFIGURATION, foreign.getBytes(StandardCharsets.UTF_8)));
        DataException e = assertThrows(DataException.class, () -> read(evil, "evil.zip", a -> a.network(false)));
        assertEquals("evil.zip: refused configuration.json: names class " + Loaded.class.getName() + ", which is not a DL4J or "
                + "ND4J configuration class or one of Normdrop's layers", e.getMessage());
        assertFalse(INITIALIZED.get(), "the class was not loaded");

        // Jackson's wrapper-array form of a type id ([class, object]) counts as naming the class too.
        assertEquals(List.of(Loaded.class.getName()), ConfigurationCheck.namedClasses(
                new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"layer\": [\"" + Loaded.class.getName() + "\", {}]}")));

        assertThrows(RuntimeException.class, () -> MultiLayerConfiguration.fromJson(foreign));
        assertTrue(INITIALIZED.get(), "the control: DL4J's parser loads the class it names");
    }

    @Test
    void aCustomNormalizerIsRefused(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF("NORMALIZER");
            out.writeInt(1);
            out.writeUTF("CUSTOM");
            out.writeUTF(Gadget.class.getName());
        }
        File evil = tampered(honest(dir), dir, "evil.zip", Map.of(ModelArchive.NORMALIZER, bytes.toByteArray()));
        DataException e = assertThrows(DataException.class, () -> read(evil, "evil.zip", ModelArchive::normalizer));
        assertEquals("evil.zip: refused normalizer.bin: a custom normalizer (class " + Gadget.class.getName()
                + "); only DL4J's standard normalizers are read", e.getMessage());
        assertTrue(read(honest(dir), "model.zip", ModelArchive::normalizer).isEmpty(), "no normalizer entry: none");
    }
}
