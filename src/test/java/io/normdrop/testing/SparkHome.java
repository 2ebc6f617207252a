package io.normdrop.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A SPARK_HOME for the cluster tests, assembled under target/ from the Spark jars Maven resolved
 * ({@code target/spark.classpath}: Spark with its YARN module, Scala, Hadoop's client), as an
 * installation has them in {@code jars/}.
 */
public final class SparkHome {
    private SparkHome() {
    }

    /** {@code target/spark-home}, assembled (symbolic links to the jars) when it is not there yet. */
    public static Path assemble() throws IOException {
        Path home = Path.of("target/spark-home").toAbsolutePath();
        Path jars = home.resolve("jars");
        Files.createDirectories(jars);
        for (String jar : Files.readString(Path.of("target/spark.classpath")).trim().split(":")) {
            Path link = jars.resolve(Path.of(jar).getFileName());
            if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, Path.of(jar));
            }
        }
        Files.writeString(home.resolve("RELEASE"), "Spark 3.5.7, assembled from Maven for Normdrop's tests\n");
        // What an installation's bin/spark-submit does, for deploy/submit.sh: SparkSubmit on
        // Spark's jars and the Hadoop configuration (HADOOP_CONF_DIR, as bin/spark-class adds it),
        // with the module flags and DL4J's clock a client-mode driver needs.
        Path submit = home.resolve("bin/spark-submit");
        Files.createDirectories(submit.getParent());
        Files.writeString(submit, "#!/usr/bin/env bash\nexec java -Xmx2g @" + Path.of("conf/java17-module-flags.args")
                .toAbsolutePath() + " -cp \"$SPARK_HOME/jars/*${HADOOP_CONF_DIR:+:$HADOOP_CONF_DIR}\""
                + " org.apache.spark.deploy.SparkSubmit \"$@\"\n");
        Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }
}
