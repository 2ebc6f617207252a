/**
 * Metrics: what a run measured and how it is shown. Components that measure publish through
 * {@link io.normdrop.metrics.MetricsSink} (the trainer: rounds and epochs) or are Spark listeners
 * ({@link io.normdrop.metrics.SparkStatsListener}); {@link io.normdrop.metrics.RunRecorder}
 * assembles, from the run's own objects, what came out of it ({@link io.normdrop.metrics.RunMetrics}:
 * metrics.json, epochs.csv, report.html as inline SVG, Prometheus text and push) and what went into
 * it ({@link io.normdrop.metrics.Provenance}). Depends on config (the job), data (what was read),
 * nn (model summary and diagnostics), Spark's listener API, Jackson and the Prometheus client;
 * not on train, store or job.
 */
package io.normdrop.metrics;
