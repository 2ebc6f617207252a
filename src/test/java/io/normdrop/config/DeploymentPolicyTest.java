package io.normdrop.config;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The deployment's policy: each escape a job file had (commands on every executor through
 * spark.conf, a secret sent to any URL, data read and output written anywhere) is refused under a
 * policy, with its own line, and still works without one (a job file is then as trusted as a
 * spark-submit command line).
 */
class DeploymentPolicyTest {
    @TempDir
    Path dir;
    Path policyFile;
    DeploymentPolicy policy;

    @BeforeEach
    void policy() throws IOException {
        Files.createDirectories(dir.resolve("data"));
        Files.createDirectories(dir.resolve("runs"));
        policyFile = dir.resolve("policy.conf");
        Files.writeString(policyFile, """
                data.roots = ["%s"]
                output.roots = ["%s"]
                pushgateway.allow = ["https://push.example:9091", "http://plain.example:9091"]
                """.formatted(dir.resolve("data"), dir.resolve("runs").toUri()));
        policy = DeploymentPolicy.load(policyFile);
    }

    /** A valid csv job inside the policy's roots, with {@code extra} HOCON after it. */
    LoadedJob job(String extra) {
        return JobFiles.parse("""
                data {
                  format = csv
                  csv { header = true, label = label }
                  train.path = "%s"
                  test.path = "%s"
                }
                model.layers = [ { type = dense, units = 4 }, { type = output } ]
                output.dir = "%s"
                """.formatted(dir.resolve("data/train.csv"), dir.resolve("data/test.csv"), dir.resolve("runs/nightly"))
                + extra, List.of());
    }

    /** The line {@code extra} is refused with under the policy; checks it passes without one. */
    String refused(String extra) {
        LoadedJob job = job(extra);
        DeploymentPolicy.NONE.check(job);
        return assertThrows(ConfigException.class, () -> policy.check(job)).getMessage();
    }

    @Test
    void aJobInsideThePolicyPasses() {
        policy.check(job("""
                spark.conf { "spark.executor.memory" = "4g", "spark.memory.fraction" = "0.5" }
                metrics.pushgateway { url = "https://push.example:9091/", username = u, passwordEnv = PUSH_PASSWORD }
                metrics.textfileDir = "%s"
                """.formatted(dir.resolve("runs/textfile"))));
    }

    @Test
    void sparkSettingsThatRunCommandsAreRefused() {
        assertEquals("job: spark.conf.spark.executor.extraJavaOptions: is not allowed by the deployment policy " + policyFile
                + " (its spark.allow)", refused("spark.conf { \"spark.executor.extraJavaOptions\" = "
                + "\"-XX:OnOutOfMemoryError=touch /tmp/owned\" }"));
        assertEquals("job: spark.conf.spark.executorEnv.LD_PRELOAD: is not allowed by the deployment policy " + policyFile
                + " (its spark.allow)", refused("spark.conf { \"spark.executorEnv.LD_PRELOAD\" = \"/tmp/evil.so\" }"));
        for (String key : List.of("spark.driver.extraJavaOptions", "spark.jars", "spark.files", "spark.plugins",
                "spark.executor.extraClassPath", "spark.yarn.appMasterEnv.X", "spark.kryo.registrator")) {
            assertTrue(refused("spark.conf { \"" + key + "\" = x }").contains("spark.conf." + key + ": is not allowed"), key);
        }
    }

    @Test
    void secretsGoOnlyToAllowedGatewaysAndOnlyOverHttps() {
        assertEquals("job: metrics.pushgateway.url: \"http://any-host/\" is not allowed by the deployment policy "
                + policyFile + " (its pushgateway.allow)", refused("metrics.pushgateway { url = \"http://any-host/\", "
                + "username = u, passwordEnv = \"_SPARK_AUTH_SECRET\" }"));
        assertEquals("job: metrics.pushgateway.username: credentials go over https only under the deployment policy "
                + policyFile, refused("metrics.pushgateway { url = \"http://plain.example:9091/\", username = u, "
                + "passwordFile = \"/etc/shadow\" }"));
        // Allowed, without credentials, over http.
        policy.check(job("metrics.pushgateway.url = \"http://plain.example:9091/\""));
    }

    @Test
    void dataAndOutputStayUnderTheirRoots() throws IOException {
        assertTrue(refused("data.train.path = \"/etc/passwd\"").startsWith("job: data.train.path: \"/etc/passwd\" is "
                + "outside the deployment policy's data.roots ("), refused("data.train.path = \"/etc/passwd\""));
        // A way out through "..", and through a symbolic link inside the root.
        assertTrue(refused("data.test.path = \"" + dir.resolve("data/../policy.conf") + "\"")
                .contains("data.test.path: "));
        Files.createSymbolicLink(dir.resolve("data/outside"), Path.of("/etc"));
        assertTrue(refused("data.train.path = \"" + dir.resolve("data/outside/passwd") + "\"")
                .contains("data.train.path: "));
        assertTrue(refused("output.dir = \"/tmp/elsewhere\"").startsWith("job: output.dir: \"/tmp/elsewhere\" is outside "
                + "the deployment policy's output.roots ("));
        assertTrue(refused("metrics.textfileDir = \"/var/lib/node_exporter\"").contains("metrics.textfileDir: "));
        assertTrue(refused("data.train.path = \"hdfs:///datasets/x\"").contains("data.train.path: "));
        // The roots of one run are not a prefix of another's: runs-old is not under runs.
        assertTrue(refused("output.dir = \"" + dir.resolve("runs-old") + "\"").contains("output.dir: "));
    }

    @Test
    void thePolicyFileIsCheckedAndAJobCannotNameIt() throws IOException {
        Path unknown = dir.resolve("unknown.conf");
        Files.writeString(unknown, "data.roots = []\noutput.roots = []\nspark.alow = []\n");
        assertEquals("NORMDROP_POLICY " + unknown + ": spark.alow: unknown key (a policy has data.roots, output.roots, "
                + "pushgateway.allow, spark.allow)", assertThrows(ConfigException.class,
                () -> DeploymentPolicy.load(unknown)).getMessage());
        Path partial = dir.resolve("partial.conf");
        Files.writeString(partial, "data.roots = [\"/data\"]\n");
        assertTrue(assertThrows(ConfigException.class, () -> DeploymentPolicy.load(partial)).getMessage()
                .contains("output.roots: is required"));
        assertEquals("NORMDROP_POLICY " + dir.resolve("none.conf") + ": no such file", assertThrows(ConfigException.class,
                () -> DeploymentPolicy.load(dir.resolve("none.conf"))).getMessage());

        // Named by the JVM property (or the environment), never by the job: an unknown key there.
        assertTrue(assertThrows(ConfigException.class, () -> job("policy = \"/dev/null\"")).getMessage()
                .contains("policy: unknown key"));
        System.setProperty(DeploymentPolicy.PROPERTY, policyFile.toString());
        try {
            assertEquals(policy, DeploymentPolicy.current());
        } finally {
            System.clearProperty(DeploymentPolicy.PROPERTY);
        }
        assertFalse(System.getenv().containsKey(DeploymentPolicy.ENV) || DeploymentPolicy.current().restricts());
    }
}
