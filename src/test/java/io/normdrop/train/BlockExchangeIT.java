package io.normdrop.train;

import io.normdrop.testing.LocalSpark;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The all-reduce among the tasks of a barrier stage: every task ends each round with the mean of
 * all tasks' vectors (a length that does not split evenly), and the stage leaves no block behind.
 */
@ExtendWith(LocalSpark.class)
class BlockExchangeIT {
    static final int LENGTH = 1_001;
    static final int ROUNDS = 3;

    /** Task p's vector in round r. */
    static float[] vector(int p, int r) {
        float[] v = new float[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            v[i] = (p + 1) * 1000f + r * 10f + i * 0.5f + (p == 1 ? 0.25f : 0);
        }
        return v;
    }

    @Test
    void everyTaskGetsTheMeanEveryRoundAndNoBlockStays(JavaSparkContext sc) {
        int tasks = sc.defaultParallelism();
        List<float[]> out = new ArrayList<>(sc.parallelize(IntStream.range(0, tasks).boxed().toList(), tasks).rdd()
                .barrier().mapPartitions(new Rounds(), false, ClassTag$.MODULE$.apply(float[].class)).toJavaRDD().collect());
        assertEquals(tasks * ROUNDS, out.size());
        for (int r = 0; r < ROUNDS; r++) {
            float[] expected = vector(0, r);
            for (int p = 1; p < tasks; p++) {
                float[] x = vector(p, r);
                for (int i = 0; i < LENGTH; i++) {
                    expected[i] += x[i];
                }
            }
            for (int i = 0; i < LENGTH; i++) {
                expected[i] *= 1 / (float) tasks;
            }
            for (int p = 0; p < tasks; p++) {
                assertArrayEquals(expected, out.get(p * ROUNDS + r), "task " + p + ", round " + r);
            }
        }
        // local mode: the tasks' block manager is the driver's
        assertEquals(0, SparkEnv.get().blockManager().getMatchingBlockIds(new AbstractFunction1<>() {
            @Override
            public Object apply(org.apache.spark.storage.BlockId id) {
                return id.name().startsWith("test_normdrop_");
            }
        }).size(), "averaging blocks left behind");
    }

    /** Each task: three rounds of averaging its vectors; returns what it got back each round. */
    static final class Rounds extends AbstractFunction1<scala.collection.Iterator<Integer>, scala.collection.Iterator<float[]>>
            implements Serializable {
        @Override
        public scala.collection.Iterator<float[]> apply(scala.collection.Iterator<Integer> ignored) {
            BarrierTaskContext ctx = BarrierTaskContext.get();
            BlockExchange exchange = new BlockExchange(ctx, "test_" + ctx.stageId() + "_" + ctx.stageAttemptNumber());
            List<float[]> got = new ArrayList<>();
            for (int r = 0; r < ROUNDS; r++) {
                float[] v = vector(ctx.partitionId(), r);
                exchange.mean(v, r);
                got.add(v.clone());
            }
            exchange.finish();
            assertEquals(1 + 2 * ROUNDS + 1, exchange.syncs(), "an all-gather, two syncs a round, one to finish");
            return JavaConverters.asScalaIteratorConverter(got.iterator()).asScala();
        }
    }
}
