package io.normdrop.metrics;

/**
 * Where metrics go. Components that measure publish here; sinks decide how to show or store.
 * A sink must not throw for a reporting problem that should not fail training.
 */
public interface MetricsSink extends AutoCloseable {
    /** Called after every parameter-averaging round, before the epoch it belongs to. */
    default void round(RoundMetrics metrics) {
    }

    /** Called once after every epoch. */
    void epoch(EpochMetrics metrics);

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
            public void epoch(EpochMetrics m) {
                for (MetricsSink s : sinks) {
                    s.epoch(m);
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
