package io.normdrop.metrics;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.TimeUnit;

/**
 * Debian's prometheus-pushgateway behind its own {@code --web.config.file}: HTTPS with a
 * self-signed certificate for 127.0.0.1 made here, and basic auth for one user whose password is
 * stored as a bcrypt hash. Started on 127.0.0.1, stopped by {@link #close()}.
 */
final class SecuredGateway implements AutoCloseable {
    static final String USER = "normdrop";
    final String password = "pw-" + Long.toHexString(new SecureRandom().nextLong());
    final Path certificate;
    final String url;
    private final Process process;
    private final HttpClient client;

    SecuredGateway(Path dir, int port) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        X500Name name = new X500Name("CN=127.0.0.1");
        long now = System.currentTimeMillis();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now),
                new Date(now - 60_000), new Date(now + TimeUnit.DAYS.toMillis(1)), name, keys.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
        X509Certificate cert = new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate())));
        certificate = Files.writeString(dir.resolve("gateway.crt"), pem("CERTIFICATE", cert.getEncoded()));
        Path key = Files.writeString(dir.resolve("gateway.key"), pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        String hash = OpenBSDBCrypt.generate("2a", password.toCharArray(), salt, 6);
        Path config = Files.writeString(dir.resolve("web-config.yml"), "tls_server_config:\n"
                + "  cert_file: " + certificate + "\n  key_file: " + key + "\n"
                + "basic_auth_users:\n  " + USER + ": '" + hash + "'\n");
        url = "https://127.0.0.1:" + port;

        // The test's own requests trust this certificate the way the job's pushes do.
        client = HttpClient.newBuilder().sslContext(PushgatewayConnections.trusting(certificate))
                .connectTimeout(Duration.ofSeconds(2)).build();

        process = new ProcessBuilder(PushgatewayIT.BINARY.toString(), "--web.listen-address=127.0.0.1:" + port,
                "--web.config.file=" + config).redirectErrorStream(true)
                .redirectOutput(dir.resolve("gateway.log").toFile()).start();
        if (!PushgatewayIT.awaitReady(process, () -> get("/-/ready").statusCode())) {
            close();
            throw new AssertionError("the secured pushgateway did not start: " + Files.readString(dir.resolve("gateway.log")));
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    /** GET with the user's credentials, over TLS trusting only this gateway's certificate. */
    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        String credentials = Base64.getEncoder().encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
        return client.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(5))
                .header("Authorization", "Basic " + credentials).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** GET without credentials. */
    int anonymousStatus(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** The value this gateway exposes for {@code name} in job normdrop and the given model. */
    double scraped(String name, String model) throws IOException, InterruptedException {
        String line = get("/metrics").body().lines()
                .filter(l -> l.startsWith(name + "{") && l.contains("job=\"normdrop\"") && l.contains("model=\"" + model + "\""))
                .findFirst().orElseThrow(() -> new AssertionError(name + " for " + model + " not on the gateway"));
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
