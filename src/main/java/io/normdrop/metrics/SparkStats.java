package io.normdrop.metrics;

/**
 * What Spark did over a span of a run (the whole run, or one epoch), from its listener events.
 *
 * @param tasks               tasks that ended (successful or not)
 * @param failedTasks         tasks that ended in failure (Spark may retry them)
 * @param retriedTasks        task attempts after the first (retries and speculative copies)
 * @param taskSeconds         summed wall time of the tasks
 * @param gcSeconds           summed JVM garbage-collection time during the tasks
 * @param serializationSeconds summed task deserialization and result serialization time
 * @param resultBytes         bytes of task results sent to the driver (the workers' parameters)
 * @param shuffleReadBytes    shuffle bytes read
 * @param shuffleWriteBytes   shuffle bytes written
 * @param executorsAdded      executors that joined
 * @param executorsRemoved    executors that were lost or removed
 */
public record SparkStats(long tasks, long failedTasks, long retriedTasks, double taskSeconds, double gcSeconds,
                         double serializationSeconds, long resultBytes, long shuffleReadBytes, long shuffleWriteBytes,
                         long executorsAdded, long executorsRemoved) {
    public static final SparkStats ZERO = new SparkStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** What happened since {@code earlier}, a snapshot of the same listener. */
    public SparkStats minus(SparkStats earlier) {
        return new SparkStats(tasks - earlier.tasks, failedTasks - earlier.failedTasks,
                retriedTasks - earlier.retriedTasks, taskSeconds - earlier.taskSeconds, gcSeconds - earlier.gcSeconds,
                serializationSeconds - earlier.serializationSeconds, resultBytes - earlier.resultBytes,
                shuffleReadBytes - earlier.shuffleReadBytes, shuffleWriteBytes - earlier.shuffleWriteBytes,
                executorsAdded - earlier.executorsAdded, executorsRemoved - earlier.executorsRemoved);
    }
}
