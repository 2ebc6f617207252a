/**
 * Metrics: what a run measured, published through {@link io.normdrop.metrics.MetricsSink}s
 * (console progress, JSON lines). Depends on nothing else in Normdrop; Jackson from Spark.
 */
package io.normdrop.metrics;
