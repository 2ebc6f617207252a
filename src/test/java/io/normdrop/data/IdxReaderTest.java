package io.normdrop.data;

import io.normdrop.config.DataSource;
import io.normdrop.testing.DataSources;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxReaderTest {
    static final int N = 50;
    static final int ROWS = 4;
    static final int COLS = 3;

    @TempDir
    Path dir;
    byte[] pixels;
    byte[] labels;
    final IdxReader reader = new IdxReader(new Configuration());

    @BeforeEach
    void data() {
        Random random = new Random(7);
        pixels = new byte[N * ROWS * COLS];
        random.nextBytes(pixels);
        labels = new byte[N];
        for (int i = 0; i < N; i++) {
            labels[i] = (byte) (i % 10);
        }
    }

    DataSource write(String suffix) throws IOException {
        Path images = dir.resolve("images" + suffix);
        Path labelFile = dir.resolve("labels" + suffix);
        IdxWriter.writeImages(images, N, ROWS, COLS, pixels);
        IdxWriter.writeLabels(labelFile, labels);
        return DataSources.idx("train", images.toString(), labelFile.toString(), 0);
    }

    static String message(Class<? extends RuntimeException> type, Runnable r) {
        return assertThrows(type, r::run).getMessage();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".gz"})
    void readsPlainAndGzippedFiles(String suffix) throws Exception {
        DataSource source = write(suffix);
        LabeledImages read = reader.read(source, 10);
        assertEquals(N, read.count());
        assertEquals(ROWS, read.rows());
        assertEquals(COLS, read.cols());
        assertArrayEquals(pixels, read.pixels());
        assertArrayEquals(labels, read.labels());
        assertEquals(9, java.util.stream.IntStream.range(0, read.count()).map(read::label).max().orElse(-1));
        byte[] stored = Files.readAllBytes(Path.of(source.images()));
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(stored));
        assertEquals(new FileDigest(source.images(), stored.length, sha), read.digests().get(0));
    }

    @Test
    void limitReadsTheFirstExamplesAndStillDigestsTheWholeFile() throws Exception {
        DataSource all = write(".gz");
        DataSource some = DataSources.idx("train", all.images(), all.labels(), 7);
        LabeledImages read = reader.read(some, 10);
        assertEquals(7, read.count());
        assertArrayEquals(Arrays.copyOf(pixels, 7 * ROWS * COLS), read.pixels());
        assertEquals(reader.read(all, 10).digests(), read.digests());
    }

    @Test
    void missingFileIsMissingInput() {
        String path = dir.resolve("absent.gz").toString();
        DataSource source = DataSources.idx("train", path, path, 0);
        assertEquals(path + ": no such file", message(MissingInputException.class, () -> reader.read(source, 10)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".gz"})
    void truncatedImagesNameTheImageWhereDataEnds(String suffix) throws IOException {
        DataSource source = write(suffix);
        IdxWriter.writeImages(Path.of(source.images()), N, ROWS, COLS, pixels); // rewrite, then cut the data
        byte[] full = Files.readAllBytes(Path.of(source.images()));
        if (suffix.isEmpty()) {
            Files.write(Path.of(source.images()), Arrays.copyOf(full, 16 + 20 * ROWS * COLS + 5));
            String m = message(DataException.class, () -> reader.read(source, 10));
            assertEquals(source.images() + ": truncated: header declares 50 images, data ends in image 20 (245 of 600 bytes)", m);
        } else {
            Files.write(Path.of(source.images()), Arrays.copyOf(full, full.length / 2));
            String m = message(DataException.class, () -> reader.read(source, 10));
            assertTrue(m.startsWith(source.images() + ": truncated gzip stream in image "), m);
        }
    }

    @Test
    void truncatedHeaderIsReported() throws IOException {
        DataSource source = write("");
        Files.write(Path.of(source.images()), new byte[]{0, 0, 8, 3, 0, 0});
        assertEquals(source.images() + ": truncated header: file ends before the image count",
                message(DataException.class, () -> reader.read(source, 10)));
    }

    @Test
    void truncatedLabelsAreReported() throws IOException {
        DataSource source = write("");
        byte[] full = Files.readAllBytes(Path.of(source.labels()));
        Files.write(Path.of(source.labels()), Arrays.copyOf(full, 8 + 30));
        assertEquals(source.labels() + ": truncated: header declares 50 labels, data ends at label 30",
                message(DataException.class, () -> reader.read(source, 10)));
    }

    @Test
    void wrongMagicNumberSaysWhatTheFileIs() throws IOException {
        DataSource good = write(".gz");
        DataSource swapped = DataSources.idx("train", good.labels(), good.images(), 0);
        assertEquals(good.labels() + ": wrong magic number 0x00000801 (an IDX label file), expected 0x00000803 for IDX images",
                message(DataException.class, () -> reader.read(swapped, 10)));
        Path junk = dir.resolve("junk");
        Files.write(junk, new byte[]{'P', 'K', 3, 4, 0, 0, 0, 0});
        DataSource zip = DataSources.idx("train", junk.toString(), good.labels(), 0);
        assertEquals(junk + ": wrong magic number 0x504B0304, expected 0x00000803 for IDX images",
                message(DataException.class, () -> reader.read(zip, 10)));
    }

    @Test
    void imageAndLabelCountsMustAgree() throws IOException {
        DataSource source = write(".gz");
        IdxWriter.writeLabels(Path.of(source.labels()), Arrays.copyOf(labels, N - 1));
        String expected = "data.train: " + source.images() + " holds 50 images but " + source.labels() + " holds 49 labels";
        assertEquals(expected, message(DataException.class, () -> reader.read(source, 10)));
    }

    @Test
    void corruptGzipIsReportedWithTheRecord() throws IOException {
        DataSource source = write(".gz");
        byte[] gz = Files.readAllBytes(Path.of(source.images()));
        for (int i = 30; i < gz.length - 20; i += 7) {
            gz[i] = (byte) ~gz[i];
        }
        Files.write(Path.of(source.images()), gz);
        String m = message(DataException.class, () -> reader.read(source, 10));
        assertTrue(m.startsWith(source.images() + ": corrupt gzip data in ") || m.startsWith(source.images() + ": truncated"), m);
        assertFalse(m.contains("\n"), m);
    }

    @Test
    void labelOutsideTheModelsClassesNamesTheRecord() throws IOException {
        labels[17] = 12;
        DataSource source = write("");
        assertEquals(source.labels() + ": record 17: label 12 out of range for a model with 10 classes (0..9)",
                message(DataException.class, () -> reader.read(source, 10)));
    }

    @Test
    void emptyDataSetIsAnError() throws IOException {
        Path images = dir.resolve("empty-images");
        Path labelFile = dir.resolve("empty-labels");
        IdxWriter.writeImages(images, 0, ROWS, COLS, new byte[0]);
        IdxWriter.writeLabels(labelFile, new byte[0]);
        DataSource source = DataSources.idx("test", images.toString(), labelFile.toString(), 0);
        assertEquals(images + ": empty data set (0 images)", message(DataException.class, () -> reader.read(source, 10)));
    }
}
