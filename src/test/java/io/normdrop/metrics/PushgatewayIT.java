package io.normdrop.metrics;

import io.normdrop.config.JobFiles;
import io.normdrop.config.MetricsConfig;
import io.normdrop.config.LoadedJob;
import io.normdrop.job.TrainJob;
import io.normdrop.testing.LocalSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Metrics for schedulers, against a real Prometheus Pushgateway (Debian's
 * prometheus-pushgateway, started here on 127.0.0.1 and stopped after): a push replaces the
 * model's group (a metric the new push lacks is gone), a training run pushes its results and writes the textfile, and a gateway that
 * is down costs a warning, not the run. A second gateway behind its own --web.config.file (HTTPS with a certificate made
 * here, basic auth) takes pushes with the password from a file or the environment, and a wrong password or an untrusted
 * certificate is one warning line.
 */
@ExtendWith(LocalSpark.class)
class PushgatewayIT {
    static final Path BINARY = Path.of("/usr/bin/prometheus-pushgateway");
    static Process gateway;
    static String url;
    static Path securedDir;
    static SecuredGateway secured;

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    @BeforeAll
    static void startGateway() throws Exception {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError(BINARY + " is missing: run deploy/setup.sh --test (apt-get install prometheus-pushgateway)");
        }
        securedDir = Files.createTempDirectory("normdrop-gateway");
        secured = new SecuredGateway(securedDir, freePort());
        int port = freePort();
        url = "http://127.0.0.1:" + port;
        gateway = new ProcessBuilder(BINARY.toString(), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!awaitReady(gateway, () -> get("/-/ready").statusCode())) {
            throw new AssertionError("pushgateway did not start on " + url);
        }
    }

    /** Whether {@code process} answers {@code readyStatus} with 200 within 30 s (false when it died or took longer). */
    static boolean awaitReady(Process process, java.util.concurrent.Callable<Integer> readyStatus) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                if (readyStatus.call() == 200) {
                    return true;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        return false;
    }

    @AfterAll
    static void stopGateway() throws InterruptedException {
        if (secured != null) {
            secured.close();
            org.apache.commons.io.FileUtils.deleteQuietly(securedDir.toFile());
        }
        if (gateway != null) {
            gateway.destroy();
            if (!gateway.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                gateway.destroyForcibly().waitFor();
            }
        }
    }

    static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build().send(
                HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The value the gateway exposes for {@code name} in job normdrop and the given model. */
    static double scraped(String name, String model) throws IOException, InterruptedException {
        List<String> lines = series(name, model);
        assertEquals(1, lines.size(), name + " for " + model + ": " + lines);
        String line = lines.get(0);
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    /** The lines the gateway exposes for {@code name} in job normdrop and the given model. */
    static List<String> series(String name, String model) throws IOException, InterruptedException {
        return get("/metrics").body().lines()
                .filter(l -> l.startsWith(name + "{") && l.contains("job=\"normdrop\"") && l.contains("model=\"" + model + "\""))
                .toList();
    }

    @Test
    void aPushReplacesTheModelsGroup() throws Exception {
        PrometheusMetrics.of(SampleRun.of("nightly", SampleRun.network(1), 0.7, 0.8), 1_700_000_000L)
                .push(MetricsConfig.Pushgateway.at(url, "normdrop", 5), Map.of());
        assertEquals(0.8, scraped("normdrop_test_accuracy", "nightly"), 1e-12);
        assertEquals(1.7e9, scraped("normdrop_last_success_timestamp_seconds", "nightly"), 0);
        assertEquals(6, series("normdrop_training_phase_seconds", "nightly").size(), "a timed run has its phases");

        // The next night's run was not timed: it has no phase metric at all. A push that replaces
        // the group (PUT) leaves none; one that adds to it (POST) would keep last night's.
        PrometheusMetrics.of(SampleRun.untimed(SampleRun.of("nightly", SampleRun.network(1), 0.7, 0.9)), 1_700_086_400L)
                .push(MetricsConfig.Pushgateway.at(url, "normdrop", 5), Map.of());
        assertEquals(0.9, scraped("normdrop_test_accuracy", "nightly"), 1e-12);
        assertEquals(1.7000864e9, scraped("normdrop_last_success_timestamp_seconds", "nightly"), 0);
        assertEquals(List.of(), series("normdrop_training_phase_seconds", "nightly"), "the old phases are gone");
    }

    private static LoadedJob smallJob(Path out, String... extra) {
        List<String> sets = new java.util.ArrayList<>(List.of("output.dir=\"" + out + "\"", "training.epochs=1",
                "data.train.limit=2000", "data.test.limit=500"));
        sets.addAll(List.of(extra));
        return JobFiles.load(Path.of("jobs/quickstart.conf"), sets);
    }

    @Test
    void aTrainingRunPushesItsResultsAndWritesTheTextfile(JavaSparkContext sc, @TempDir Path dir) throws Exception {
        Path textfiles = dir.resolve("node-exporter");
        LoadedJob job = smallJob(dir.resolve("run"), "metrics.pushgateway.url=\"" + url + "\"",
                "metrics.textfileDir=\"" + textfiles + "\"");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        TrainJob.Outcome outcome = new TrainJob(job, false).run(sc, new PrintWriter(out, true), new PrintWriter(err, true));

        assertEquals("", err.toString());
        assertEquals(outcome.testAccuracy(), scraped("normdrop_test_accuracy", "quickstart"), 1e-12);
        assertEquals(outcome.metrics().model().parameters(), scraped("normdrop_parameters", "quickstart"), 0);
        assertEquals(Files.readString(dir.resolve("run").resolve(MetricsFiles.PROMETHEUS_FILE)),
                Files.readString(textfiles.resolve(MetricsFiles.PROMETHEUS_FILE)));
        try (var files = Files.list(textfiles)) {
            assertEquals(1, files.count(), "only metrics.prom, no temporary file");
        }
    }

    @Test
    void aGatewayThatIsDownIsAWarningAndTheRunStillSucceeds(JavaSparkContext sc, @TempDir Path dir) throws Exception {
        LoadedJob job = smallJob(dir.resolve("run"), "metrics.pushgateway.url=\"http://127.0.0.1:" + freePort() + "\"",
                "metrics.pushgateway.timeoutSeconds=2");
        StringWriter err = new StringWriter();
        new TrainJob(job, false).run(sc, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));

        List<String> lines = err.toString().lines().toList();
        assertEquals(1, lines.size(), err.toString());
        assertTrue(lines.get(0).startsWith("normdrop: warning: metrics not pushed to the Pushgateway at http://127.0.0.1:"),
                lines.get(0));
        assertTrue(lines.get(0).endsWith("(the run itself succeeded)"), lines.get(0));
        assertTrue(Files.exists(dir.resolve("run/_SUCCESS")));
    }

    /** The secured gateway's keys: https, its certificate, the user and {@code password} (a set of {@code --set}s). */
    static String[] securedKeys(String password) {
        return new String[]{"metrics.pushgateway.url=\"" + secured.url + "\"", "metrics.pushgateway.username=" + SecuredGateway.USER,
                "metrics.pushgateway.passwordFile=\"" + password + "\"",
                "metrics.pushgateway.caCertificate=\"" + secured.certificate + "\""};
    }

    @Test
    void aTrainingRunPushesOverHttpsWithThePasswordFromAFile(JavaSparkContext sc, @TempDir Path dir) throws Exception {
        assertEquals(401, secured.anonymousStatus("/metrics"), "the gateway wants credentials");
        Path password = Files.writeString(dir.resolve("pushgateway.password"), secured.password + "\n");
        LoadedJob job = smallJob(dir.resolve("run"), securedKeys(password.toString()));
        StringWriter err = new StringWriter();
        TrainJob.Outcome outcome = new TrainJob(job, false).run(sc, new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true));

        assertEquals("", err.toString());
        assertEquals(outcome.testAccuracy(), secured.scraped("normdrop_test_accuracy", "quickstart"), 1e-12);
        // The password is in no file of the run (the job names the file, never the password).
        try (var files = Files.walk(dir.resolve("run"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertFalse(new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1)
                        .contains(secured.password), "the password leaked into " + f);
            }
        }
    }

    @Test
    void aWrongPasswordIsAWarningAndTheRunStillSucceeds(JavaSparkContext sc, @TempDir Path dir) throws Exception {
        Path password = Files.writeString(dir.resolve("pushgateway.password"), "not-" + secured.password);
        LoadedJob job = smallJob(dir.resolve("run"), securedKeys(password.toString()));
        StringWriter err = new StringWriter();
        new TrainJob(job, false).run(sc, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));

        List<String> lines = err.toString().lines().toList();
        assertEquals(1, lines.size(), err.toString());
        assertTrue(lines.get(0).startsWith("normdrop: warning: metrics not pushed to the Pushgateway at " + secured.url), lines.get(0));
        assertTrue(lines.get(0).contains("401"), lines.get(0));
        assertTrue(lines.get(0).endsWith("(the run itself succeeded)"), lines.get(0));
        assertTrue(Files.exists(dir.resolve("run/_SUCCESS")));
    }

    @Test
    void thePasswordFromTheEnvironmentAndTheCertificateAreChecked(@TempDir Path dir) throws Exception {
        PrometheusMetrics metrics = PrometheusMetrics.of(SampleRun.of("from-env", SampleRun.network(1), 0.7, 0.625), 1_700_000_000L);
        MetricsConfig.Pushgateway fromEnv = new MetricsConfig.Pushgateway(secured.url, "normdrop", 5, SecuredGateway.USER,
                null, "PUSHGATEWAY_PASSWORD", secured.certificate.toString());
        metrics.push(fromEnv, Map.of("PUSHGATEWAY_PASSWORD", secured.password));
        assertEquals(0.625, secured.scraped("normdrop_test_accuracy", "from-env"), 1e-12);

        IOException unset = assertThrows(IOException.class, () -> metrics.push(fromEnv, Map.of()));
        assertEquals("the environment variable PUSHGATEWAY_PASSWORD (metrics.pushgateway.passwordEnv) is not set on the driver",
                unset.getMessage());
        IOException wrong = assertThrows(IOException.class,
                () -> metrics.push(fromEnv, Map.of("PUSHGATEWAY_PASSWORD", "wrong")));
        assertTrue(wrong.getMessage().contains("401"), wrong.getMessage());
        // Without the gateway's certificate, the JVM's trust store does not know it: TLS is verified.
        MetricsConfig.Pushgateway untrusted = new MetricsConfig.Pushgateway(secured.url, "normdrop", 5, SecuredGateway.USER,
                null, "PUSHGATEWAY_PASSWORD", null);
        IOException e = assertThrows(IOException.class,
                () -> metrics.push(untrusted, Map.of("PUSHGATEWAY_PASSWORD", secured.password)));
        assertTrue(e instanceof javax.net.ssl.SSLException, e.toString());
    }
}
