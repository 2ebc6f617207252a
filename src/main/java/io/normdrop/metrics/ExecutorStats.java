package io.normdrop.metrics;

/**
 * What one executor did over the run. Peaks are what Spark's executor metrics reported (polled
 * while tasks run and sent with heartbeats); 0 where Spark reported nothing.
 *
 * @param executorId        Spark's executor id ({@code driver} in local mode)
 * @param tasks             tasks it ran
 * @param failedTasks       of which failed
 * @param taskSeconds       summed task wall time
 * @param gcSeconds         summed GC time during its tasks
 * @param peakHeapBytes     peak JVM heap in use
 * @param peakOffHeapBytes  peak JVM non-heap memory (metaspace, code cache; not ND4J's buffers)
 * @param peakRssBytes      peak resident memory of the executor process tree, ND4J's off-heap
 *                          buffers included (needs procfs)
 */
public record ExecutorStats(String executorId, long tasks, long failedTasks, double taskSeconds, double gcSeconds,
                            long peakHeapBytes, long peakOffHeapBytes, long peakRssBytes) {
}
