package io.normdrop.config;

import java.util.Map;

/**
 * Spark settings a job may carry. Anything given on the command line (spark-submit's
 * {@code --master} and {@code --conf}) wins over these.
 *
 * @param master  the master URL to use when none is given otherwise; null leaves it to
 *                spark-submit or the launcher
 * @param appName application name shown in the Spark UI
 * @param conf    further Spark properties ({@code spark.*} keys), applied when not already set
 */
public record SparkSettings(String master, String appName, Map<String, String> conf) {
    public SparkSettings {
        if (master != null && master.isBlank()) {
            throw ConfigException.invalid("spark.master", master, "a Spark master URL such as local[*] or spark://host:7077");
        }
        Checks.notBlank("spark.appName", appName);
        conf = Map.copyOf(conf);
        for (String key : conf.keySet()) {
            if (!key.startsWith("spark.")) {
                throw ConfigException.invalid("spark.conf", key, "keys are Spark properties starting with spark.");
            }
        }
    }
}
