package io.normdrop.data;

import io.normdrop.testing.LocalSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code data.validation.fraction}: the held-out rows are that fraction of every class, chosen by
 * the seed from the examples' order alone (the same rows however Spark partitions the data: the
 * number of workers does not enter), disjoint from the rows left for training, and both parts
 * are indexed 0..count-1 in the original order with their partitions' counts right.
 */
@ExtendWith(LocalSpark.class)
class ValidationSplitIT {
    static final int N = 1000;

    /** Example i has the single feature i; labels 0, 1, 2 in turn for the first 900, then all 0 (imbalanced). */
    static LoadedData data(JavaSparkContext sc, int partitions) {
        List<Tuple2<Long, Example>> examples = LongStream.range(0, N)
                .mapToObj(i -> new Tuple2<>(i, Example.dense(new float[]{i}, i < 900 ? (int) (i % 3) : 0))).toList();
        long[] counts = LongStream.range(0, partitions).map(p -> (p + 1) * N / partitions - p * N / partitions).toArray();
        RecordSummary summary = RecordSummary.ofExamples(new long[]{400, 300, 300}, 1);
        return new LoadedData("data.train", sc.parallelizePairs(examples, partitions), N, 1, 3, summary, List.of(),
                List.of(), List.of(), null, counts, false);
    }

    /** The original indices (the feature) of a part's examples, checking its indexing and partition counts. */
    static List<Long> originals(LoadedData part) {
        List<Tuple2<Long, Example>> rows = part.examples().collect();
        assertEquals(part.count(), rows.size());
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(i, rows.get(i)._1().longValue(), "indexed 0..count-1 in order");
            out.add((long) rows.get(i)._2().values()[0]);
        }
        List<Integer> sizes = part.examples().glom().map(List::size).collect();
        assertArrayEquals(part.partitionCounts(), sizes.stream().mapToLong(Integer::longValue).toArray());
        return out;
    }

    @Test
    void heldOutRowsAreStratifiedSeededAndTheSameWhateverThePartitioning(JavaSparkContext sc) {
        ValidationSplit three = ValidationSplit.of(data(sc, 3), 0.1, 42);
        ValidationSplit seven = ValidationSplit.of(data(sc, 7), 0.1, 42);
        List<Long> held = originals(three.validation());
        List<Long> kept = originals(three.train());
        assertEquals(held, originals(seven.validation()), "the same rows with 7 partitions as with 3");
        assertEquals(kept, originals(seven.train()));
        assertEquals(new ArrayList<>(new TreeSet<>(held)), held, "ascending: the files' order is kept");
        Set<Long> all = new HashSet<>(held);
        all.addAll(kept);
        assertEquals(N, all.size(), "every row in exactly one part");
        assertEquals(N, held.size() + kept.size());
        long[] perClass = new long[3];
        for (long i : held) {
            perClass[i < 900 ? (int) (i % 3) : 0]++;
        }
        assertArrayEquals(new long[]{40, 30, 30}, perClass, "a tenth of every class");
        assertArrayEquals(new long[]{40, 30, 30}, three.validation().summary().labelCounts());
        assertArrayEquals(new long[]{360, 270, 270}, three.train().summary().labelCounts());
        // Spread over the data, not its first rows.
        assertTrue(held.get(0) < 200 && held.get(held.size() - 1) > 800, held.toString());
        // The control: another seed holds out other rows.
        assertNotEquals(held, originals(ValidationSplit.of(data(sc, 3), 0.1, 43).validation()));
    }
}
