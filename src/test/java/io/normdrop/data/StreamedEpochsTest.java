package io.normdrop.data;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The plan of a streamed epoch (who reads which slices) and the workers' shuffle buffer. */
class StreamedEpochsTest {
    /** Partitions of uneven sizes, two of them empty. */
    private static final long[] COUNTS = {7, 0, 13, 5, 0, 21, 9, 1};
    private static final long N = Arrays.stream(COUNTS).sum();

    private static List<Long> indices(WorkerSlicesRDD.Slice[] share) {
        List<Long> out = new ArrayList<>();
        for (WorkerSlicesRDD.Slice s : share) {
            for (long i = s.from(); i < s.to(); i++) {
                out.add(i);
            }
        }
        return out;
    }

    @Test
    void everyExampleIsReadOnceEachWorkerGetsAnExactShareAndSlicesStayInTheirPartition() {
        for (int workers = 1; workers <= 5; workers++) {
            WorkerSlicesRDD.Slice[][] plan = StreamedEpochs.plan(COUNTS, workers, 11);
            assertEquals(workers, plan.length);
            List<Long> all = new ArrayList<>();
            long first = 0;
            long[] starts = new long[COUNTS.length];
            for (int p = 0; p < COUNTS.length; p++) {
                starts[p] = first;
                first += COUNTS[p];
            }
            for (int w = 0; w < workers; w++) {
                List<Long> share = indices(plan[w]);
                long expected = ReshuffledEpochs.start(w + 1, N, workers) - ReshuffledEpochs.start(w, N, workers);
                assertEquals(expected, share.size(), "worker " + w + " of " + workers);
                all.addAll(share);
                for (WorkerSlicesRDD.Slice s : plan[w]) {
                    assertTrue(s.size() > 0, "no empty slices");
                    assertTrue(s.from() >= starts[s.partition()] && s.to() <= starts[s.partition()] + COUNTS[s.partition()],
                            s + " inside its partition");
                }
            }
            all.sort(Long::compare);
            assertEquals(LongRange.of(N), all);
        }
    }

    @Test
    void theOrderOfThePartsChangesWithTheSeed() {
        List<List<Integer>> orders = new ArrayList<>();
        for (long seed = 0; seed < 6; seed++) {
            orders.add(Arrays.stream(StreamedEpochs.plan(COUNTS, 1, seed)[0]).map(WorkerSlicesRDD.Slice::partition).toList());
        }
        assertEquals(orders.get(3), Arrays.stream(StreamedEpochs.plan(COUNTS, 1, 3)[0])
                .map(WorkerSlicesRDD.Slice::partition).toList(), "the same seed, the same order");
        assertTrue(orders.stream().distinct().count() >= 4, "orders: " + orders);
        orders.forEach(o -> assertEquals(List.of(0, 2, 3, 5, 6, 7), o.stream().sorted().toList()));
    }

    private static List<Integer> labels(java.util.Iterator<DataSet> batches) {
        List<Integer> out = new ArrayList<>();
        batches.forEachRemaining(d -> {
            for (int r = 0; r < d.numExamples(); r++) {
                out.add(d.getLabels().getRow(r).argMax().getInt(0));
                // The features travel with their label: feature 0 is the label here.
                assertEquals(out.get(out.size() - 1), (int) d.getFeatures().getFloat(r, 0));
            }
        });
        return out;
    }

    private static java.util.Iterator<Example> examples(int n, int classes) {
        return IntStream.range(0, n).mapToObj(i -> Example.dense(new float[]{i % classes, 1f}, i % classes)).iterator();
    }

    @Test
    void theShuffleBufferEmitsEveryExampleOnceInASeededOrder() {
        int n = 1000;
        int classes = 50;
        List<Integer> a = labels(new StreamedEpochs.ShuffledBatches(examples(n, classes), 64, 2, classes, 32, null, 5));
        List<Integer> b = labels(new StreamedEpochs.ShuffledBatches(examples(n, classes), 64, 2, classes, 32, null, 5));
        List<Integer> c = labels(new StreamedEpochs.ShuffledBatches(examples(n, classes), 64, 2, classes, 32, null, 6));
        List<Integer> inOrder = labels(new StreamedEpochs.ShuffledBatches(examples(n, classes), 1, 2, classes, 32, null, 5));
        assertEquals(n, a.size());
        assertEquals(IntStream.range(0, n).map(i -> i % classes).sorted().boxed().toList(), a.stream().sorted().toList());
        assertEquals(a, b, "the same seed, the same order");
        assertNotEquals(a, c);
        assertEquals(IntStream.range(0, n).map(i -> i % classes).boxed().toList(), inOrder, "a buffer of 1 keeps the order");
        assertNotEquals(inOrder, a);
    }

    @Test
    void aBufferMixesASortedStreamAsFarAsItsSize() {
        // 4,000 examples sorted by label, 10 labels of 400: a buffer of 1,000 gives the first minibatch
        // of 100 several labels; a buffer of 100 only the first ones.
        java.util.function.IntFunction<java.util.Iterator<Example>> sorted = size -> IntStream.range(0, 4000)
                .mapToObj(i -> Example.dense(new float[]{i / 400}, i / 400)).iterator();
        List<Integer> wide = labels(new StreamedEpochs.ShuffledBatches(sorted.apply(0), 1000, 1, 10, 100, null, 1));
        List<Integer> narrow = labels(new StreamedEpochs.ShuffledBatches(sorted.apply(0), 100, 1, 10, 100, null, 1));
        assertTrue(wide.subList(0, 100).stream().distinct().count() >= 3, "first batch " + wide.subList(0, 100));
        assertEquals(1, narrow.subList(0, 100).stream().distinct().count(), "first batch " + narrow.subList(0, 100));
    }

    /** 0..n-1 as a list. */
    private static final class LongRange {
        static List<Long> of(long n) {
            List<Long> out = new ArrayList<>();
            for (long i = 0; i < n; i++) {
                out.add(i);
            }
            return out;
        }
    }
}
