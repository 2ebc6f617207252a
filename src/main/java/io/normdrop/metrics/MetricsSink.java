package io.normdrop.metrics;

import java.util.List;

/**
 * Where metrics go. Components that measure publish here; sinks decide how to show or store.
 * A sink must not throw for a reporting problem that should not fail training.
 */
public interface MetricsSink extends AutoCloseable {
    /** Called after every parameter-averaging round, before the epoch it belongs to. */
    default void round(RoundMetrics metrics) {
    }

    /** Called once before training with the examples in each partition of the training data. */
    default void partitions(List<Long> examplesPerPartition) {
    }

    /** Called once after every epoch. */
    void epoch(EpochMetrics metrics);

    /** Called when an epoch had to be trained again, before its {@link #epoch}. */
    default void retried(EpochRetry retry) {
    }

    /** Flushes and releases what the sink holds. */
    @Override
    default void close() {
    }

    /** A sink that sends every event to each of {@code sinks}, in order. */
    static MetricsSink all(MetricsSink... sinks) {
        return new MetricsSink() {
            @Override
            public void round(RoundMetrics r) {
                for (MetricsSink s : sinks) {
                    s.round(r);
                }
            }

            @Override
            public void partitions(List<Long> examplesPerPartition) {
                for (MetricsSink s : sinks) {
                    s.partitions(examplesPerPartition);
                }
            }

            @Override
            public void epoch(EpochMetrics m) {
                for (MetricsSink s : sinks) {
                    s.epoch(m);
                }
            }

            @Override
            public void retried(EpochRetry r) {
                for (MetricsSink s : sinks) {
                    s.retried(r);
                }
            }

            @Override
            public void close() {
                for (MetricsSink s : sinks) {
                    s.close();
                }
            }
        };
    }
}
