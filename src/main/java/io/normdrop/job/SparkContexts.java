package io.normdrop.job;

import io.normdrop.config.ConfigException;
import io.normdrop.config.SparkSettings;
import org.apache.spark.SparkConf;

import java.util.Map;

/**
 * Builds the SparkConf of a run. Precedence of the master URL: {@code --master}, then what
 * spark-submit (or {@code -Dspark.master}) set, then the job's {@code spark.master}, then the
 * launcher's default ({@code -Dnormdrop.defaultMaster}, local[*] in deploy/local.sh). The code
 * itself never picks a master.
 */
public final class SparkContexts {
    /** System property through which a launcher supplies its default master. */
    static final String DEFAULT_MASTER_PROPERTY = "normdrop.defaultMaster";

    private SparkContexts() {
    }

    /**
     * The SparkConf for a job.
     *
     * @param settings  the job's spark section
     * @param cliMaster {@code --master}, or null
     */
    public static SparkConf conf(SparkSettings settings, String cliMaster) {
        SparkConf conf = new SparkConf();
        String master = cliMaster != null ? cliMaster
                : conf.contains("spark.master") ? conf.get("spark.master")
                : settings.master() != null ? settings.master()
                : System.getProperty(DEFAULT_MASTER_PROPERTY);
        if (master == null) {
            throw new ConfigException("spark.master", "no Spark master given: run through spark-submit or "
                    + "deploy/local.sh, or pass --master URL, or set spark.master in the job");
        }
        conf.setMaster(master);
        conf.setIfMissing("spark.app.name", settings.appName());
        // ND4J arrays need Kryo with ND4J's registrator to travel between JVMs.
        conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        conf.setIfMissing("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator");
        // Executors' peak resident memory in the metrics: ND4J's buffers live outside the JVM heap.
        conf.setIfMissing("spark.executor.processTreeMetrics.enabled", "true");
        for (Map.Entry<String, String> e : settings.conf().entrySet()) {
            conf.setIfMissing(e.getKey(), e.getValue());
        }
        return conf;
    }
}
