package io.normdrop.data;

import io.normdrop.config.BadRecordPolicy;
import io.normdrop.config.DataConfig;
import io.normdrop.config.DataFormat;
import io.normdrop.config.Normalization;
import io.normdrop.testing.DataSources;
import io.normdrop.testing.LocalSpark;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Streamed epochs on Spark, read from csv files (one partition each) with bad records skipped:
 * every good example once per epoch, in exact shares, in another order every epoch and the same
 * order for the same epoch; nothing kept between epochs; a file that loses records while training
 * is named, not trained short.
 */
@ExtendWith(LocalSpark.class)
class StreamedEpochsIT {
    private static final int FILES = 5;
    private static final int PER_FILE = 40;

    @TempDir
    Path dir;

    /** Example k (0-based over the files) has feature 0 = k and label k % 3; line 7 of file 2 is bad. */
    private LoadedData write(JavaSparkContext sc) throws Exception {
        Path data = Files.createDirectories(dir.resolve("train"));
        for (int f = 0; f < FILES; f++) {
            StringBuilder csv = new StringBuilder();
            for (int i = 0; i < PER_FILE; i++) {
                int k = f * PER_FILE + i;
                csv.append(f == 2 && i == 6 ? "1,not-a-number,0\n" : (k % 3) + "," + k + ",1\n");
            }
            Files.writeString(data.resolve(String.format("part-%02d.csv", f)), csv);
        }
        DataConfig config = new DataConfig(DataFormat.CSV, DataSources.at("train", data.toString(), 0),
                DataSources.at("test", data.toString(), 0), 4, List.of(), 0, 0, DataSources.csv(), DataSources.parquet(),
                BadRecordPolicy.SKIP, 0.05, Normalization.NONE);
        return new DataLoader(sc, config).train(0);
    }

    /** Feature 0 of every example of each worker's partition, in the order trained. */
    private static List<List<Integer>> epoch(StreamedEpochs epochs, int epoch) {
        List<List<Integer>> out = new ArrayList<>();
        epochs.epoch(epoch).glom().collect().forEach(batches -> {
            List<Integer> ids = new ArrayList<>();
            for (DataSet d : batches) {
                for (int r = 0; r < d.numExamples(); r++) {
                    ids.add((int) d.getFeatures().getFloat(r, 0));
                    assertEquals(ids.get(ids.size() - 1) % 3, d.getLabels().getRow(r).argMax().getInt(0));
                }
            }
            out.add(ids);
        });
        return out;
    }

    @Test
    void everyGoodExampleOncePerEpochInExactSharesReshuffledEveryEpoch(JavaSparkContext sc) throws Exception {
        LoadedData data = write(sc);
        assertFalse(data.kept(), "the loader keeps nothing");
        assertEquals(FILES * PER_FILE - 1, data.count());
        assertEquals(1, data.skipped());
        StreamedEpochs epochs = new StreamedEpochs(data, 2, 4, 42, 16, null);
        List<Integer> good = IntStream.range(0, FILES * PER_FILE).filter(k -> k != 2 * PER_FILE + 6).boxed().toList();
        List<List<Integer>> e1 = epoch(epochs, 1);
        List<List<Integer>> e2 = epoch(epochs, 2);
        for (List<List<Integer>> e : List.of(e1, e2)) {
            assertEquals(2, e.size());
            assertEquals(List.of(99L, 100L), e.stream().map(w -> (long) w.size()).toList());
            assertEquals(List.of(99L, 100L), java.util.Arrays.stream(epochs.partitionExamples()).boxed().toList(),
                    "the shares the trainer plans its rounds with");
            List<Integer> all = new ArrayList<>(e.get(0));
            all.addAll(e.get(1));
            assertEquals(good, all.stream().sorted().toList());
        }
        assertNotEquals(e1, e2, "another order every epoch");
        assertEquals(e1, epoch(epochs, 1), "the same epoch, the same order");
        // The shuffle buffer reorders within a share (read in file order, a part ascends): without it,
        // the same shares in file order.
        List<Integer> first = e1.get(0);
        assertTrue(IntStream.range(1, first.size()).anyMatch(i -> first.get(i) < first.get(i - 1)
                && first.get(i) / PER_FILE == first.get(i - 1) / PER_FILE), "shuffled within a part: " + first);
        List<Integer> unbuffered = epoch(new StreamedEpochs(data, 2, 4, 42, 1, null), 1).get(0);
        assertEquals(first.stream().sorted().toList(), unbuffered.stream().sorted().toList(), "the same share");
        assertTrue(IntStream.range(1, unbuffered.size()).noneMatch(i -> unbuffered.get(i) < unbuffered.get(i - 1)
                && unbuffered.get(i) / PER_FILE == unbuffered.get(i - 1) / PER_FILE), "in file order: " + unbuffered);
    }

    @Test
    void aFileThatLosesRecordsWhileTrainingIsNamed(JavaSparkContext sc) throws Exception {
        LoadedData data = write(sc);
        StreamedEpochs epochs = new StreamedEpochs(data, 1, 4, 42, 1, null);
        Files.writeString(dir.resolve("train/part-03.csv"), "0,120,1\n");
        Exception e = assertThrows(SparkException.class, () -> epoch(epochs, 1));
        DataException cause = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DataException d) {
                cause = d;
            }
        }
        assertTrue(cause != null && cause.getMessage().startsWith("data.train: partition ")
                && cause.getMessage().contains("the files changed while training"), String.valueOf(cause));
    }
}
