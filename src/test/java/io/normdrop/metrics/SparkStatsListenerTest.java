package io.normdrop.metrics;

import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SparkStatsListenerTest {
    /**
     * On YARN one killed executor is reported removed twice: when its connection drops and when
     * YARN reports its container's exit. It is one executor lost.
     */
    @Test
    void anExecutorReportedRemovedTwiceCountsOnce() {
        SparkStatsListener listener = new SparkStatsListener();
        listener.onExecutorRemoved(new SparkListenerExecutorRemoved(1L, "1", "Executor Process Lost"));
        listener.onExecutorRemoved(new SparkListenerExecutorRemoved(2L, "1", "Container from a bad node: exit status 137"));
        assertEquals(1, listener.snapshot().executorsRemoved());
        listener.onExecutorRemoved(new SparkListenerExecutorRemoved(3L, "2", "Executor Process Lost"));
        assertEquals(2, listener.snapshot().executorsRemoved());
    }
}
