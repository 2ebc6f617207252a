package io.normdrop.job;

import io.normdrop.config.ConfigException;
import io.normdrop.config.SparkSettings;
import io.normdrop.data.MissingInputException;
import io.normdrop.store.Umask;
import org.apache.spark.SparkConf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
        // Hadoop's file systems apply their own umask (default 022), not the process's: under umask 027 the
        // run directory, checkpoints, lock and published model would still be readable by everyone.
        String umask = Umask.current();
        if (umask != null) {
            conf.setIfMissing("spark.hadoop.fs.permissions.umask-mode", umask);
        }
        // Executors' peak resident memory in the metrics: ND4J's buffers live outside the JVM heap.
        conf.setIfMissing("spark.executor.processTreeMetrics.enabled", "true");
        for (Map.Entry<String, String> e : settings.conf().entrySet()) {
            conf.setIfMissing(e.getKey(), e.getValue());
        }
        authenticationSecret(conf);
        return conf;
    }

    /**
     * With {@code spark.authenticate=true}, Spark's standalone driver wants the secret itself in
     * its configuration. Normdrop takes it from a file ({@code spark.authenticate.secret.file},
     * or the environment variable {@value #SECRET_FILE_ENV}), or from the environment variable
     * Spark itself uses for the processes it launches ({@code _SPARK_AUTH_SECRET}: a driver in
     * standalone cluster mode), so that it never appears on a command line; Spark redacts it in
     * its UI and logs, and Normdrop never writes Spark's configuration to its outputs.
     */
    static void authenticationSecret(SparkConf conf) {
        if (!conf.getBoolean("spark.authenticate", false) || conf.contains(SECRET)) {
            return;
        }
        String file = conf.get(SECRET_FILE, System.getenv(SECRET_FILE_ENV));
        if (file == null) {
            // A driver that a standalone worker launched (cluster mode) gets the secret the way
            // Spark hands it to its own processes: in this environment variable.
            String inherited = System.getenv(SPARK_SECRET_ENV);
            if (inherited != null && !inherited.isBlank()) {
                conf.set(SECRET, inherited);
            }
            return; // otherwise YARN and Kubernetes provide the secret themselves
        }
        try {
            String secret = Files.readString(Path.of(file)).strip();
            if (secret.isEmpty()) {
                throw new ConfigException(SECRET_FILE, "the secret file " + file + " is empty");
            }
            conf.set(SECRET, secret);
        } catch (IOException e) {
            throw new MissingInputException("cannot read the Spark secret file " + file + ": " + e.getMessage(), e);
        }
    }

    private static final String SECRET = "spark.authenticate.secret";
    private static final String SECRET_FILE = "spark.authenticate.secret.file";
    /** Spark's own environment variable for the secret of the processes it launches. */
    private static final String SPARK_SECRET_ENV = "_SPARK_AUTH_SECRET";
    /** Environment variable naming the file that holds {@code spark.authenticate.secret}. */
    static final String SECRET_FILE_ENV = "SPARK_AUTHENTICATE_SECRET_FILE";
}
