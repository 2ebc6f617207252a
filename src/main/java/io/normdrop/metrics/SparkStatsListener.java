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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    /** By id: Spark can report one lost executor twice (on YARN: the lost connection, then the container's exit). */
    private final Set<String> executorsRemoved = new HashSet<>();
    private final Map<String, Executor> executors = new TreeMap<>();

    /** What one executor did so far (guarded by the listener's lock). */
    private static final class Executor {
        long tasks;
        long failed;
        long taskMillis;
        long gcMillis;
        long peakHeap;
        long peakNonHeap;
        long peakRss;

        void peaks(ExecutorMetrics m) {
            if (m != null) {
                peakHeap = Math.max(peakHeap, m.getMetricValue("JVMHeapMemory"));
                peakNonHeap = Math.max(peakNonHeap, m.getMetricValue("JVMOffHeapMemory"));
                peakRss = Math.max(peakRss, m.getMetricValue("ProcessTreeJVMRSSMemory"));
            }
        }
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
        TaskInfo info = end.taskInfo();
        Executor e = executor(info.executorId());
        tasks++;
        e.tasks++;
        if (info.failed()) {
            failedTasks++;
            e.failed++;
        }
        if (info.attemptNumber() > 0 || info.speculative()) {
            retriedTasks++;
        }
        taskMillis += info.duration();
        e.taskMillis += info.duration();
        TaskMetrics m = end.taskMetrics();
        if (m != null) {
            gcMillis += m.jvmGCTime();
            e.gcMillis += m.jvmGCTime();
            serializationMillis += m.executorDeserializeTime() + m.resultSerializationTime();
            resultBytes += m.resultSize();
            shuffleReadBytes += m.shuffleReadMetrics().totalBytesRead();
            shuffleWriteBytes += m.shuffleWriteMetrics().bytesWritten();
        }
        e.peaks(end.taskExecutorMetrics());
    }

    @Override
    public synchronized void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
        Executor e = executor(update.execId());
        scala.collection.Iterator<ExecutorMetrics> it = update.executorUpdates().valuesIterator();
        while (it.hasNext()) {
            e.peaks(it.next());
        }
    }

    @Override
    public synchronized void onExecutorAdded(SparkListenerExecutorAdded added) {
        executorsAdded++;
        executor(added.executorId());
    }

    @Override
    public synchronized void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
        executorsRemoved.add(removed.executorId());
    }

    /** Totals so far. */
    public synchronized SparkStats snapshot() {
        return new SparkStats(tasks, failedTasks, retriedTasks, taskMillis / 1e3, gcMillis / 1e3,
                serializationMillis / 1e3, resultBytes, shuffleReadBytes, shuffleWriteBytes, executorsAdded,
                executorsRemoved.size());
    }

    /** Each executor seen so far, by id. */
    public synchronized List<ExecutorStats> executors() {
        List<ExecutorStats> out = new ArrayList<>();
        executors.forEach((id, e) -> out.add(new ExecutorStats(id, e.tasks, e.failed, e.taskMillis / 1e3,
                e.gcMillis / 1e3, e.peakHeap, e.peakNonHeap, e.peakRss)));
        return out;
    }

    private Executor executor(String id) {
        return executors.computeIfAbsent(id, k -> new Executor());
    }
}
