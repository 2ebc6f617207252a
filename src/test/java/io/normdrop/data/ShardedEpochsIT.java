package io.normdrop.data;

import io.normdrop.testing.LocalSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.dataset.DataSet;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The allreduce master's data: every epoch each worker gets a shard of every example once; the
 * shards keep their examples between global reshuffles and change at one, and each epoch within
 * a shard comes in a new order.
 */
@ExtendWith(LocalSpark.class)
class ShardedEpochsIT {
    static final int N = 1_003;

    /** Per worker, the examples of its epoch in training order (each example's single feature is its index). */
    static List<List<Integer>> epoch(ShardedEpochs shards, int epoch) {
        List<List<Integer>> out = new ArrayList<>();
        List<List<DataSet>> parts = shards.epoch(epoch).glom().collect();
        for (List<DataSet> part : parts) {
            List<Integer> ids = new ArrayList<>();
            for (DataSet d : part) {
                for (float f : d.getFeatures().reshape(d.numExamples()).toFloatVector()) {
                    ids.add((int) f);
                }
            }
            out.add(ids);
        }
        return out;
    }

    static LoadedData data(JavaSparkContext sc) {
        List<Tuple2<Long, Example>> examples = LongStream.range(0, N)
                .mapToObj(i -> new Tuple2<>(i, Example.dense(new float[]{i}, (int) (i % 2)))).toList();
        // parallelize cuts N into slices at i·N/3.
        long[] counts = LongStream.range(0, 3).map(i -> (i + 1) * N / 3 - i * N / 3).toArray();
        return new LoadedData("data.train", sc.parallelizePairs(examples, 3), N, 1, 2, null, List.of(), List.of(), List.of(),
                null, counts, false);
    }

    @Test
    void dealtOnceEachWorkerKeepsItsShardInANewOrderEveryEpoch(JavaSparkContext sc) {
        try (ShardedEpochs shards = new ShardedEpochs(data(sc), 2, 16, 7, 0, null)) {
            List<List<Integer>> e1 = epoch(shards, 1);
            List<List<Integer>> e2 = epoch(shards, 2);
            assertEquals(2, e1.size());
            assertEveryExampleOnce(e1);
            assertEveryExampleOnce(e2);
            for (int w = 0; w < 2; w++) {
                assertEquals(new HashSet<>(e1.get(w)), new HashSet<>(e2.get(w)), "worker " + w + " keeps its shard");
                assertNotEquals(e1.get(w), e2.get(w), "worker " + w + " reshuffles its shard");
            }
            assertTrue(Math.abs(e1.get(0).size() - e1.get(1).size()) <= 1, "balanced shards");
            assertEquals(0, shards.preparationSeconds(), 0.0, "epoch 2 reuses the cached shards");
        }
    }

    @Test
    void aGlobalReshuffleDealsTheExamplesAnew(JavaSparkContext sc) {
        try (ShardedEpochs shards = new ShardedEpochs(data(sc), 2, 16, 7, 2, null)) {
            List<List<Integer>> e1 = epoch(shards, 1);
            List<List<Integer>> e2 = epoch(shards, 2);
            List<List<Integer>> e3 = epoch(shards, 3);
            assertEveryExampleOnce(e3);
            assertEquals(new HashSet<>(e1.get(0)), new HashSet<>(e2.get(0)), "epochs 1 and 2: one deal");
            assertNotEquals(new HashSet<>(e1.get(0)), new HashSet<>(e3.get(0)), "epoch 3: dealt anew");
        }
    }

    private static void assertEveryExampleOnce(List<List<Integer>> epoch) {
        Set<Integer> seen = new HashSet<>();
        int total = 0;
        for (List<Integer> worker : epoch) {
            seen.addAll(worker);
            total += worker.size();
        }
        assertEquals(N, total);
        assertEquals(N, seen.size());
    }
}
