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

    /**
     * A Prometheus Pushgateway to push the run's metrics to: the keys under {@code metrics.pushgateway}.
     * The password for basic auth is never in the job (job files are copied into provenance, as
     * for the Spark secret): it is read at push time from a file or an environment variable the
     * job names.
     */
    public record Pushgateway(String url, String job, int timeoutSeconds, String username, String passwordFile,
                              String passwordEnv, String caCertificate) {
        static final Key<String> URL = Key.optionalString("metrics.pushgateway.url", null, """
                Push the run's metrics to this Prometheus Pushgateway, e.g. "https://pushgateway:9091", \
                replacing the group of job and model (the job file's name). A failed push prints a warning; \
                the run still succeeds. No user or password in the URL: see username. null: no push.""",
                Rules.matches("https?://[^\\s/@]+(/.*)?", "an http:// or https:// URL without user:password@, or null"));
        static final Key<String> JOB = Key.string("metrics.pushgateway.job", "normdrop",
                "The job grouping label of the push.", Rules.notBlank());
        static final Key<Integer> TIMEOUT_SECONDS = Key.integer("metrics.pushgateway.timeoutSeconds", 5,
                "Connect and read timeout of the push.", Rules.atLeast(1));
        static final Key<String> USERNAME = Key.optionalString("metrics.pushgateway.username", null, """
                User for HTTP basic auth to the gateway (its --web.config.file basic_auth_users); the password \
                comes from passwordFile or passwordEnv. null: no authentication.""", Rules.notBlank());
        static final Key<String> PASSWORD_FILE = Key.optionalString("metrics.pushgateway.passwordFile", null, """
                File holding the basic-auth password (its first line; keep it private, mode 0600), read on the \
                driver at push time. Never the password itself: job files are copied into the run's provenance.""",
                Rules.notBlank());
        static final Key<String> PASSWORD_ENV = Key.optionalString("metrics.pushgateway.passwordEnv", null, """
                Name of the environment variable holding the basic-auth password, read on the driver at push \
                time (e.g. PUSHGATEWAY_PASSWORD; in cluster mode, spark.yarn.appMasterEnv.* or the driver's \
                environment).""", Rules.matches("[A-Za-z_][A-Za-z0-9_]*", "an environment variable name"));
        static final Key<String> CA_CERTIFICATE = Key.optionalString("metrics.pushgateway.caCertificate", null, """
                PEM file of the certificate authority (or the self-signed certificate) that signed the gateway's \
                HTTPS certificate; the host name is verified against it. null: the JVM's default trust store.""",
                Rules.notBlank());

        public Pushgateway {
            URL.check(url);
            JOB.check(job);
            TIMEOUT_SECONDS.check(timeoutSeconds);
            USERNAME.check(username);
            PASSWORD_FILE.check(passwordFile);
            PASSWORD_ENV.check(passwordEnv);
            CA_CERTIFICATE.check(caCertificate);
            if (username != null && (passwordFile == null) == (passwordEnv == null)) {
                throw new ConfigException(USERNAME.path(), "basic auth needs its password from exactly one of "
                        + PASSWORD_FILE.path() + " and " + PASSWORD_ENV.path());
            }
            if (username == null && (passwordFile != null || passwordEnv != null)) {
                throw new ConfigException(USERNAME.path(), "a password is given but no user name");
            }
            if (caCertificate != null && (url == null || !url.startsWith("https://"))) {
                throw new ConfigException(CA_CERTIFICATE.path(), "is for an https:// url");
            }
        }

        static Pushgateway from(Config c) {
            return new Pushgateway(URL.read(c), JOB.read(c), TIMEOUT_SECONDS.read(c), USERNAME.read(c),
                    PASSWORD_FILE.read(c), PASSWORD_ENV.read(c), CA_CERTIFICATE.read(c));
        }

        /** A gateway at {@code url} with no authentication and the JVM's trust store. */
        public static Pushgateway at(String url, String job, int timeoutSeconds) {
            return new Pushgateway(url, job, timeoutSeconds, null, null, null, null);
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
