package io.normdrop.config;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A job file from elsewhere: it may include files of its own directory, and nothing else (no
 * URL, no classpath resource, no file outside, also not through a symbolic link or a nested
 * include), and it cannot copy environment variables (a secret, a token) into the job, whose
 * text Normdrop writes into the run's provenance.
 */
class UntrustedJobFilesTest {
    /** A job file in {@code dir} that is {@link JobFilesTest#VALID} plus {@code extra}. */
    static Path job(Path dir, String extra) throws IOException {
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve("job.conf"), JobFilesTest.VALID + extra + "\n");
    }

    static String refusal(Path file) {
        return assertThrows(ConfigException.class, () -> JobFiles.load(file, List.of())).getMessage();
    }

    @Test
    void filesOfTheJobsOwnDirectoryMayBeIncluded(@TempDir Path dir) throws IOException {
        Path jobs = dir.resolve("jobs");
        Files.createDirectories(jobs.resolve("common"));
        Files.writeString(jobs.resolve("common/seed.conf"), "training.seed = 1234\n");
        Files.writeString(jobs.resolve("epochs.conf"), "training.epochs = 7\ninclude \"common/seed.conf\"\n");
        JobConfig c = JobFiles.load(job(jobs, "include \"epochs.conf\"\ninclude file(\"" + jobs.resolve("common/seed.conf")
                + "\")"), List.of()).config();
        assertEquals(7, c.training().epochs());
        assertEquals(1234, c.training().seed());
    }

    @Test
    void filesOutsideTheJobsDirectoryAreRefused(@TempDir Path dir) throws IOException {
        Path outside = Files.writeString(dir.resolve("secrets.conf"), "spark.appName = \"leaked\"\n");
        Path jobs = dir.resolve("jobs");
        for (String include : List.of("include \"../secrets.conf\"", "include file(\"" + outside + "\")",
                "include required(file(\"" + outside + "\"))")) {
            Path file = job(jobs, include);
            String message = refusal(file);
            assertTrue(message.startsWith(file + ": "), message);
            assertTrue(message.contains(outside.toRealPath() + " is outside the job's directory " + jobs.toRealPath()), message);
        }
        // Through a symbolic link in the job's directory, and through an include of an include.
        Files.createSymbolicLink(jobs.resolve("link.conf"), outside);
        assertTrue(refusal(job(jobs, "include \"link.conf\"")).contains("is outside the job's directory"));
        Files.writeString(jobs.resolve("inner.conf"), "include \"../secrets.conf\"\n");
        assertTrue(refusal(job(jobs, "include \"inner.conf\"")).contains("is outside the job's directory"));
    }

    @Test
    void urlsAndClasspathResourcesAreRefusedWithoutAConnection(@TempDir Path dir) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"))) {
            String url = "http://127.0.0.1:" + server.getLocalPort() + "/job.conf";
            for (String include : List.of("include url(\"" + url + "\")", "include \"" + url + "\"",
                    "include url(\"file://" + dir.resolve("x.conf") + "\")")) {
                String message = refusal(job(dir.resolve("jobs"), include));
                assertTrue(message.contains("refused: a job file may not include a URL"), message);
            }
            assertTrue(refusal(job(dir.resolve("jobs"), "include classpath(\"reference.conf\")"))
                    .contains("include classpath(\"reference.conf\") refused"));
            assertFalse(connected(server), "the refused includes opened no connection");

            // The control: HOCON's own includer fetches the URL (the refusal above is not a parse error).
            CompletableFuture.runAsync(() -> {
                try {
                    ConfigFactory.parseString("include url(\"" + url + "\")", ConfigParseOptions.defaults());
                } catch (RuntimeException expected) {
                    // the test server answers nothing
                }
            });
            assertTrue(connected(server), "HOCON's default includer connects to the URL");
        }
    }

    private static boolean connected(ServerSocket server) throws IOException {
        server.setSoTimeout((int) TimeUnit.SECONDS.toMillis(3));
        try (Socket ignored = server.accept()) {
            return true;
        } catch (SocketTimeoutException none) {
            return false;
        }
    }

    @Test
    void aJobGivenAsTextIncludesNothing() {
        ConfigException e = assertThrows(ConfigException.class, () -> JobFiles.parse("include \"other.conf\"", List.of()));
        assertTrue(e.getMessage().contains("a job given as text may include nothing"), e.getMessage());
    }

    @Test
    void environmentVariablesCannotBeCopiedIntoTheJob(@TempDir Path dir) throws IOException {
        assertTrue(System.getenv("PATH") != null, "the test needs PATH in its environment");
        for (String setting : List.of("spark.appName = ${PATH}", "spark.appName = ${?PATH}",
                "spark.conf { \"spark.executorEnv.X\" = ${PATH} }")) {
            String message = refusal(job(dir, setting));
            assertTrue(message.contains("job files take no ${...} substitutions and never read environment variables: "
                    + "give the value with --set KEY=VALUE"), message);
            assertFalse(message.contains(System.getenv("PATH")), "the value is not even in the message: " + message);
        }
        // An optional substitution of the environment is simply not set (HOCON would copy PATH's value here).
        LoadedJob optional = JobFiles.load(job(dir, "spark.conf { \"spark.executorEnv.X\" = ${?PATH} }"), List.of());
        assertEquals(java.util.Map.of(), optional.config().spark().conf());
        assertFalse(optional.renderHocon().contains(System.getenv("PATH")));
    }
}
