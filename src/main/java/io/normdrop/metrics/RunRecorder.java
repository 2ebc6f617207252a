package io.normdrop.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * The sink that keeps what a run measured for {@code metrics.json}: every round and epoch as
 * published by the trainer, and with each epoch what Spark did meanwhile (from the
 * {@link SparkStatsListener}) and the driver's memory.
 */
public final class RunRecorder implements MetricsSink {
    private final SparkStatsListener spark;
    private final List<RoundMetrics> rounds = new ArrayList<>();
    private final List<RunMetrics.Epoch> epochs = new ArrayList<>();
    private List<Long> partitions = List.of();
    private SparkStats previous;
    private MemorySample peak;

    /** @param spark the listener registered on the run's Spark context */
    public RunRecorder(SparkStatsListener spark) {
        this(spark, List.of(), List.of());
    }

    /**
     * A recorder that continues a resumed run.
     *
     * @param epochs what the run recorded before its checkpoint
     * @param rounds the rounds of those epochs
     */
    public RunRecorder(SparkStatsListener spark, List<RunMetrics.Epoch> epochs, List<RoundMetrics> rounds) {
        this.epochs.addAll(epochs);
        this.rounds.addAll(rounds);
        this.spark = spark;
        this.previous = spark.snapshot();
        this.peak = MemorySample.now();
    }

    @Override
    public void partitions(List<Long> examplesPerPartition) {
        partitions = List.copyOf(examplesPerPartition);
    }

    /** Examples in each partition of the training data (empty when the trainer did not say). */
    public List<Long> partitions() {
        return partitions;
    }

    @Override
    public void round(RoundMetrics metrics) {
        rounds.add(metrics);
    }

    @Override
    public void epoch(EpochMetrics metrics) {
        SparkStats now = spark.snapshot();
        MemorySample memory = MemorySample.now();
        if (memory.nd4jOffHeapBytes() > peak.nd4jOffHeapBytes()) {
            peak = memory;
        }
        epochs.add(new RunMetrics.Epoch(metrics, now.minus(previous), memory));
        previous = now;
    }

    public List<RoundMetrics> rounds() {
        return List.copyOf(rounds);
    }

    public List<RunMetrics.Epoch> epochs() {
        return List.copyOf(epochs);
    }

    /** Spark's view of the run so far. */
    public RunMetrics.Spark spark(String version, String master) {
        return new RunMetrics.Spark(version, master, spark.snapshot(), spark.executors(), peak);
    }
}
