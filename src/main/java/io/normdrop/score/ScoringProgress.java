package io.normdrop.score;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Progress of a long scoring job on the console: at most one line every {@code everySeconds},
 * with the tasks done, the rows read so far and the rate. Register it on the SparkContext for
 * the job and remove it after.
 */
public final class ScoringProgress extends SparkListener {
    private final PrintWriter out;
    private final double everySeconds;
    private final long start = System.nanoTime();
    private final AtomicInteger tasks = new AtomicInteger();
    private final AtomicInteger done = new AtomicInteger();
    private final AtomicLong rows = new AtomicLong();
    private volatile long lastPrinted = System.nanoTime();

    public ScoringProgress(PrintWriter out, double everySeconds) {
        this.out = out;
        this.everySeconds = everySeconds;
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted stage) {
        tasks.set(stage.stageInfo().numTasks());
        done.set(0);
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd task) {
        done.incrementAndGet();
        if (task.taskMetrics() != null) {
            rows.addAndGet(task.taskMetrics().inputMetrics().recordsRead());
        }
        long now = System.nanoTime();
        if ((now - lastPrinted) / 1e9 >= everySeconds) {
            lastPrinted = now;
            double seconds = (now - start) / 1e9;
            out.printf(Locale.ROOT, "normdrop: scoring: %d of %d tasks, %,d rows read, %,.0f rows/s%n", done.get(),
                    tasks.get(), rows.get(), rows.get() / seconds);
            out.flush();
        }
    }
}
