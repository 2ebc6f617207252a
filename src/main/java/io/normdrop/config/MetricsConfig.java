package io.normdrop.config;

import com.typesafe.config.Config;

/**
 * What a run measures beyond its per-epoch results, and where it publishes them: the values of
 * the keys under {@code metrics}, declared below.
 */
public record MetricsConfig(boolean trainingStats, String textfileDir, Pushgateway pushgateway) {
    static final Key<Boolean> TRAINING_STATS = Key.bool("metrics.trainingStats", true, """
            Split every averaging round's time into broadcast, worker fit, aggregation, repartition, export \
            and other (metrics.json, epochs.csv, the report's time chart). The resident master times its own \
            steps (a few clock reads per round); the parameter-averaging master collects dl4j-spark's training \
            statistics for it (deploy/bench.sh metrics measures the cost). false: rounds carry no breakdown.""");
    static final Key<String> TEXTFILE_DIR = Key.optionalString("metrics.textfileDir", null, """
            Also write metrics.prom into this local directory (atomically), for node_exporter's textfile \
            collector (--collector.textfile.directory). null: only in the run directory.""",
            (key, value) -> {
                if (value.isBlank()) {
                    throw ConfigException.invalid(key, value, "a directory, or null");
                }
            });

    /** A Prometheus Pushgateway to push the run's metrics to: the keys under {@code metrics.pushgateway}. */
    public record Pushgateway(String url, String job, int timeoutSeconds) {
        static final Key<String> URL = Key.optionalString("metrics.pushgateway.url", null, """
                Push the run's metrics to this Prometheus Pushgateway, e.g. "http://pushgateway:9091", \
                replacing the group of job and model (the job file's name). A failed push prints a warning; \
                the run still succeeds. null: no push.""",
                Rules.matches("https?://[^\\s/]+.*", "an http:// or https:// URL, or null"));
        static final Key<String> JOB = Key.string("metrics.pushgateway.job", "normdrop",
                "The job grouping label of the push.", Rules.notBlank());
        static final Key<Integer> TIMEOUT_SECONDS = Key.integer("metrics.pushgateway.timeoutSeconds", 5,
                "Connect and read timeout of the push.", Rules.atLeast(1));

        public Pushgateway {
            URL.check(url);
            JOB.check(job);
            TIMEOUT_SECONDS.check(timeoutSeconds);
        }

        static Pushgateway from(Config c) {
            return new Pushgateway(URL.read(c), JOB.read(c), TIMEOUT_SECONDS.read(c));
        }

        public boolean enabled() {
            return url != null;
        }
    }

    public MetricsConfig {
        TEXTFILE_DIR.check(textfileDir);
        if (pushgateway == null) {
            throw new ConfigException("metrics.pushgateway", "is required");
        }
    }

    static MetricsConfig from(Config c) {
        return new MetricsConfig(TRAINING_STATS.read(c), TEXTFILE_DIR.read(c), Pushgateway.from(c));
    }
}
