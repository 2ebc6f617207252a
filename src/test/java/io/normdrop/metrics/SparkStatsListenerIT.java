package io.normdrop.metrics;

import io.normdrop.testing.LocalSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The listener counts what Spark really did: tasks, their time, failures, executors. */
@ExtendWith(LocalSpark.class)
class SparkStatsListenerIT {
    /** Listener events arrive asynchronously; wait for them. */
    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("listener did not see the events in 20 s");
            }
            Thread.sleep(20);
        }
    }

    @Test
    void countsTasksTheirTimeAndFailures(JavaSparkContext sc) throws InterruptedException {
        SparkStatsListener listener = new SparkStatsListener();
        sc.sc().addSparkListener(listener);
        try {
            long sum = sc.parallelize(List.of(1, 2, 3, 4, 5, 6, 7, 8), 4).map(x -> {
                Thread.sleep(50);
                return x;
            }).reduce(Integer::sum);
            assertEquals(36, sum);
            eventually(() -> listener.snapshot().tasks() == 4);
            SparkStats afterOk = listener.snapshot();
            assertEquals(0, afterOk.failedTasks());
            assertTrue(afterOk.taskSeconds() >= 4 * 2 * 0.05, "two 50 ms sleeps per task: " + afterOk.taskSeconds());
            assertTrue(afterOk.resultBytes() > 0);

            // local[2] does not retry: one failing task fails the job, and is counted.
            assertThrows(Exception.class, () -> sc.parallelize(List.of(1, 2), 2).map(x -> {
                if (x == 2) {
                    throw new IllegalStateException("boom");
                }
                return x;
            }).collect());
            // The job fails as soon as its failing task ends; the other task's end may be reported after it.
            eventually(() -> listener.snapshot().failedTasks() == 1 && listener.snapshot().minus(afterOk).tasks() == 2);
            SparkStats delta = listener.snapshot().minus(afterOk);
            assertEquals(2, delta.tasks());
            assertEquals(1, delta.failedTasks());

            List<ExecutorStats> executors = listener.executors();
            assertEquals(1, executors.size(), "local mode runs tasks on the driver");
            assertEquals("driver", executors.get(0).executorId());
            assertEquals(6, executors.get(0).tasks());
            assertEquals(1, executors.get(0).failedTasks());
        } finally {
            sc.sc().removeSparkListener(listener);
        }
    }
}
