package io.normdrop.job;

import io.normdrop.testing.Networks;
import org.deeplearning4j.util.ModelSerializer;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the committed seed inputs of {@link ReadersFuzzTest} that are not plain text files of
 * the repository (a tiny model zip, an IDX pair). Run once by hand:
 * {@code java @conf/java17-module-flags.args -cp target/test-classes:target/normdrop-job.jar:$(cat target/spark.classpath) io.normdrop.job.FuzzSeeds}.
 */
public final class FuzzSeeds {
    static final Path INPUTS = Path.of("src/test/resources/io/normdrop/job/ReadersFuzzTestInputs");

    private FuzzSeeds() {
    }

    public static void main(String[] args) throws IOException {
        Path models = Files.createDirectories(INPUTS.resolve("modelZip"));
        ModelSerializer.writeModel(Networks.of("""
                [
                  { type = weightnorm-dense, units = 3 }
                  { type = output, units = 2 }
                ]
                """, 4), models.resolve("tiny-weightnorm.zip").toFile(), true);
        ModelSerializer.addObjectToFile(models.resolve("tiny-weightnorm.zip").toFile(), "normdrop-provenance.json",
                "{\"job\": {}}");
        Files.write(Files.createDirectories(INPUTS.resolve("idx")).resolve("three-2x2.bin"), idx());
        // Defect found by ReadersMutationTest (2026-12-04): parameters cut short after a valid header made
        // Nd4j.read throw an unwrapped RuntimeException (exit 70); now refused with one line, exit 65.
        Path cut = models.resolve("regression-coefficients-cut-short.zip");
        try (java.util.zip.ZipFile in = new java.util.zip.ZipFile(models.resolve("tiny-weightnorm.zip").toFile());
             java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(Files.newOutputStream(cut))) {
            for (java.util.zip.ZipEntry e : java.util.Collections.list(in.entries())) {
                byte[] content = in.getInputStream(e).readAllBytes();
                out.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                out.write(e.getName().equals("coefficients.bin") ? java.util.Arrays.copyOf(content, content.length - 9) : content);
            }
        }
    }

    /** Two bytes of labels length, an IDX labels file of 3, an IDX images file of 3 images of 2 x 2. */
    static byte[] idx() throws IOException {
        ByteArrayOutputStream labels = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(labels)) {
            out.writeInt(0x00000801);
            out.writeInt(3);
            out.write(new byte[]{0, 1, 2});
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(all)) {
            out.writeShort(labels.size());
            out.write(labels.toByteArray());
            out.writeInt(0x00000803);
            out.writeInt(3);
            out.writeInt(2);
            out.writeInt(2);
            out.write("0123456789ab".getBytes(StandardCharsets.US_ASCII));
        }
        return all.toByteArray();
    }
}
