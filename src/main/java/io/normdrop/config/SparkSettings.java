package io.normdrop.config;

import com.typesafe.config.Config;

import java.util.Map;

/**
 * Spark settings a job may carry: the values of the keys under {@code spark}, declared below.
 * Anything given on the command line (spark-submit's {@code --master} and {@code --conf}) wins.
 */
public record SparkSettings(String master, String appName, Map<String, String> conf) {
    static final Key<String> MASTER = Key.optionalString("spark.master", null,
            "Master URL used when neither spark-submit, --master nor the launcher gives one.",
            (key, value) -> {
                if (value.isBlank()) {
                    throw ConfigException.invalid(key, value, "a Spark master URL such as local[*] or spark://host:7077");
                }
            });
    static final Key<String> APP_NAME = Key.string("spark.appName", "normdrop",
            "Application name shown in the Spark UI.", Rules.notBlank());
    static final Key<Map<String, String>> CONF = Key.properties("spark.conf", """
            Further Spark properties ("spark.x" = value), applied unless already set on the command line. \
            Secrets are refused: they would be copied into the run's provenance; give \
            spark.authenticate.secret.file or the environment variable SPARK_AUTHENTICATE_SECRET_FILE.""",
            SparkSettings::checkProperties);

    public SparkSettings {
        MASTER.check(master);
        APP_NAME.check(appName);
        conf = Map.copyOf(CONF.check(conf));
    }

    static SparkSettings from(Config c) {
        return new SparkSettings(MASTER.read(c), APP_NAME.read(c), CONF.read(c));
    }

    private static void checkProperties(String key, Map<String, String> conf) {
        for (String name : conf.keySet()) {
            if (!name.startsWith("spark.")) {
                throw ConfigException.invalid(key, name, "keys are Spark properties starting with spark.");
            }
            // Job files end up in provenance, job.conf and metrics: no secrets in them.
            if (Rules.namesASecret(name) && !name.equals("spark.authenticate.secret.file")) {
                throw new ConfigException(key + "." + name, "secrets do not belong in job files (they are copied "
                        + "into the run's provenance); for spark.authenticate.secret use spark.authenticate.secret.file "
                        + "or the environment variable SPARK_AUTHENTICATE_SECRET_FILE");
            }
        }
    }
}
