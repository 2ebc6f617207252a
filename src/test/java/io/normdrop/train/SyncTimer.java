package io.normdrop.train;

import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;

/**
 * For the benchmarks: the fixed cost of one averaging round with N workers, as {@link BlockExchange}
 * pays it (two synchronizations through the barrier coordinator, and the blocks of a vector of one
 * float per worker), measured in a barrier stage that does nothing else.
 */
public final class SyncTimer {
    private SyncTimer() {
    }

    /** Seconds per round, the median over the workers, after {@code rounds / 10} rounds of warm-up. */
    public static double secondsPerSync(JavaSparkContext sc, int workers, int rounds) {
        List<Double> perWorker = sc.parallelize(IntStream.range(0, workers).boxed().toList(), workers).rdd().barrier()
                .mapPartitions(new Rounds(rounds), false, ClassTag$.MODULE$.apply(Double.class)).toJavaRDD().collect();
        List<Double> sorted = perWorker.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    static final class Rounds extends AbstractFunction1<scala.collection.Iterator<Integer>, scala.collection.Iterator<Double>>
            implements Serializable {
        private final int rounds;

        Rounds(int rounds) {
            this.rounds = rounds;
        }

        @Override
        public scala.collection.Iterator<Double> apply(scala.collection.Iterator<Integer> ignored) {
            BarrierTaskContext ctx = BarrierTaskContext.get();
            BlockExchange exchange = new BlockExchange(ctx, "sync_" + ctx.stageId() + "_" + ctx.stageAttemptNumber());
            float[] v = new float[exchange.tasks()];
            int warmUp = rounds / 10;
            long start = 0;
            for (int r = 0; r < warmUp + rounds; r++) {
                if (r == warmUp) {
                    start = System.nanoTime();
                }
                exchange.mean(v, r);
            }
            double seconds = (System.nanoTime() - start) / 1e9 / rounds;
            exchange.finish();
            return JavaConverters.asScalaIteratorConverter(Collections.singletonList(seconds).iterator()).asScala();
        }
    }
}
