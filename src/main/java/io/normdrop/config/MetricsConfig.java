package io.normdrop.config;

/**
 * What a run measures beyond its per-epoch results, and where it publishes them.
 *
 * @param trainingStats  collect dl4j-spark's training statistics: each averaging round's time split
 *                       into broadcast, worker fit, aggregation, repartition and export (default true;
 *                       its cost is measured by {@code deploy/bench.sh metrics})
 * @param textfileDir    also write {@code metrics.prom} into this local directory, atomically, for
 *                       node_exporter's textfile collector; null: only in the run directory
 * @param pushgateway    push the run's metrics to a Prometheus Pushgateway; a failed push is a
 *                       warning, never a failed run
 */
public record MetricsConfig(boolean trainingStats, String textfileDir, Pushgateway pushgateway) {
    /**
     * @param url            base URL, e.g. {@code http://pushgateway:9091}; null: no push
     * @param job            the {@code job} grouping label (default {@code normdrop})
     * @param timeoutSeconds connect and read timeout of the push (default 5)
     */
    public record Pushgateway(String url, String job, int timeoutSeconds) {
        public Pushgateway {
            if (url != null && !url.matches("https?://[^\\s/]+.*")) {
                throw ConfigException.invalid("metrics.pushgateway.url", url, "an http:// or https:// URL, or null");
            }
            Checks.notBlank("metrics.pushgateway.job", job);
            Checks.atLeast("metrics.pushgateway.timeoutSeconds", timeoutSeconds, 1);
        }

        public boolean enabled() {
            return url != null;
        }
    }

    public MetricsConfig {
        if (textfileDir != null && textfileDir.isBlank()) {
            throw ConfigException.invalid("metrics.textfileDir", textfileDir, "a directory, or null");
        }
        if (pushgateway == null) {
            throw new ConfigException("metrics.pushgateway", "is required");
        }
    }
}
