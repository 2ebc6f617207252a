package io.normdrop.metrics;

import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts what Spark does while it is registered: tasks and their time, GC, serialization,
 * shuffle bytes, executors joining and leaving, failures and retries, and executor memory
 * peaks. Spark calls it on its listener-bus thread; {@link #snapshot()} and
 * {@link #executors()} may be called from any thread.
 */
public final class SparkStatsListener extends SparkListener {

    private long tasks;
    private long failedTasks;
    private long retriedTasks;
    private long taskMillis;
    private long gcMillis;
    private long serializationMillis;
    private long resultBytes;
    private long shuffleReadBytes;
    private long shuffleWriteBytes;
    private long executorsAdded;
    private long executorsRemoved;
    private final Map<String, long[]> executors = new TreeMap<>();

    // Per-executor slots: tasks, failed, task ms, gc ms, peak heap, peak non-heap, peak RSS.
    private static final int TASKS = 0;
    private static final int FAILED = 1;
    private static final int TASK_MS = 2;
    private static final int GC_MS = 3;
    private static final int HEAP = 4;
    private static final int NON_HEAP = 5;
    private static final int RSS = 6;

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
        TaskInfo info = end.taskInfo();
        long[] e = executor(info.executorId());
        tasks++;
        e[TASKS]++;
        if (info.failed()) {
            failedTasks++;
            e[FAILED]++;
        }
        if (info.attemptNumber() > 0 || info.speculative()) {
            retriedTasks++;
        }
        taskMillis += info.duration();
        e[TASK_MS] += info.duration();
        TaskMetrics m = end.taskMetrics();
        if (m != null) {
            gcMillis += m.jvmGCTime();
            e[GC_MS] += m.jvmGCTime();
            serializationMillis += m.executorDeserializeTime() + m.resultSerializationTime();
            resultBytes += m.resultSize();
            shuffleReadBytes += m.shuffleReadMetrics().totalBytesRead();
            shuffleWriteBytes += m.shuffleWriteMetrics().bytesWritten();
        }
        peaks(e, end.taskExecutorMetrics());
    }

    @Override
    public synchronized void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
        long[] e = executor(update.execId());
        scala.collection.Iterator<ExecutorMetrics> it = update.executorUpdates().valuesIterator();
        while (it.hasNext()) {
            peaks(e, it.next());
        }
    }

    @Override
    public synchronized void onExecutorAdded(SparkListenerExecutorAdded added) {
        executorsAdded++;
        executor(added.executorId());
    }

    @Override
    public synchronized void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
        executorsRemoved++;
    }

    /** Totals so far. */
    public synchronized SparkStats snapshot() {
        return new SparkStats(tasks, failedTasks, retriedTasks, taskMillis / 1e3, gcMillis / 1e3,
                serializationMillis / 1e3, resultBytes, shuffleReadBytes, shuffleWriteBytes, executorsAdded,
                executorsRemoved);
    }

    /** Each executor seen so far, by id. */
    public synchronized List<ExecutorStats> executors() {
        List<ExecutorStats> out = new ArrayList<>();
        executors.forEach((id, e) -> out.add(new ExecutorStats(id, e[TASKS], e[FAILED], e[TASK_MS] / 1e3,
                e[GC_MS] / 1e3, e[HEAP], e[NON_HEAP], e[RSS])));
        return out;
    }

    private long[] executor(String id) {
        return executors.computeIfAbsent(id, k -> new long[7]);
    }

    private static void peaks(long[] e, ExecutorMetrics m) {
        if (m == null) {
            return;
        }
        e[HEAP] = Math.max(e[HEAP], m.getMetricValue("JVMHeapMemory"));
        e[NON_HEAP] = Math.max(e[NON_HEAP], m.getMetricValue("JVMOffHeapMemory"));
        e[RSS] = Math.max(e[RSS], m.getMetricValue("ProcessTreeJVMRSSMemory"));
    }
}
