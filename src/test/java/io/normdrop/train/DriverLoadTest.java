package io.normdrop.train;

import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag$;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the driver receives from an allreduce epoch grows linearly with the workers: each worker
 * sends its own drift sums (rounds x tensors x 2 numbers), not every worker's (which made the
 * driver receive workers^2 x tensors numbers per round). Sizes as Spark's Kryo serializer writes
 * the workers' results; the control is the former shape, each worker's whole sums.
 */
class DriverLoadTest {
    static final int ROUNDS = 64;
    static final int TENSORS = 8;

    /** Bytes per round the driver receives from {@code workers} workers: with their rows, or (former) whole sums. */
    static long bytesPerRound(int workers, boolean whole) {
        SerializerInstance kryo = new KryoSerializer(new SparkConf()).newInstance();
        long total = 0;
        for (int w = 0; w < workers; w++) {
            RoundRecovery.Progress p = new RoundRecovery.Progress(ROUNDS);
            DriftSums[] sums = p.drift;
            for (int r = 0; r < ROUNDS; r++) {
                sums[r] = new DriftSums(workers, TENSORS);
                Arrays.fill(sums[r].deviation, 1.0 / (r + 1));
                Arrays.fill(sums[r].meanSquare, 3.0 / (r + 1));
                p.lossSums[r] = r;
                p.minibatches[r] = 10;
                p.examples[r] = 640;
                p.fitNanos[r] = 1_000_000L * r;
            }
            double[] own = new double[ROUNDS * TENSORS];
            Arrays.fill(own, 0.5);
            AllReduceTask.WorkerEpoch epoch = whole
                    ? new AllReduceTask.WorkerEpoch(w, w + "@host", null, null, 640, p, null, 0, -1)
                    : new AllReduceTask.WorkerEpoch(w, w + "@host", null, null, 640, p.withoutDrift(),
                    new DriftSums.PerWorker(own, own.clone()), 0, -1);
            total += kryo.serialize(epoch, ClassTag$.MODULE$.apply(AllReduceTask.WorkerEpoch.class)).remaining();
        }
        return total / ROUNDS;
    }

    @Test
    void theDriversShareGrowsLinearlyWithTheWorkers() {
        Map<Integer, long[]> table = new LinkedHashMap<>();
        for (int workers : new int[]{2, 4, 8, 16}) {
            table.put(workers, new long[]{bytesPerRound(workers, false), bytesPerRound(workers, true)});
        }
        table.forEach((w, b) -> System.out.printf("%d workers: %,d bytes per round to the driver (whole sums: %,d)%n",
                w, b[0], b[1]));
        double perWorker2 = table.get(2)[0] / 2.0;
        double perWorker16 = table.get(16)[0] / 16.0;
        assertTrue(perWorker16 <= 1.1 * perWorker2, "per worker: " + perWorker2 + " bytes at 2, " + perWorker16 + " at 16");
        // The control: whole sums grow with the square of the workers.
        assertTrue(table.get(16)[1] / 16.0 > 4 * table.get(2)[1] / 2.0, "whole sums per worker at 16 against 2");
    }
}
