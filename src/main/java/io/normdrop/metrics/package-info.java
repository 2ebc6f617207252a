/**
 * Metrics: what a run measured and how it is shown. Components that measure publish through
 * {@link io.normdrop.metrics.MetricsSink} (the trainer: rounds and epochs) or are Spark listeners
 * ({@link io.normdrop.metrics.SparkStatsListener}); {@link io.normdrop.metrics.RunRecorder} gathers
 * them into one {@link io.normdrop.metrics.RunMetrics} document, written as metrics.json,
 * epochs.csv, report.html (inline SVG) and Prometheus text. Depends on {@code nn} (model
 * diagnostics), Spark's listener API, Jackson and the Prometheus client; nothing else of Normdrop.
 */
package io.normdrop.metrics;
