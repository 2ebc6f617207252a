package io.normdrop.metrics;

import io.normdrop.config.MetricsConfig;
import io.prometheus.client.exporter.HttpConnectionFactory;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.Map;

/**
 * Connections to a Pushgateway as the job configures them: timeouts, HTTP basic auth with the
 * password read from the file or environment variable the job names (at push time, on the
 * driver; never kept in the job or any output), and HTTPS trusting the job's CA certificate.
 */
final class PushgatewayConnections implements HttpConnectionFactory {
    private final int timeoutMillis;
    private final String authorization;
    private final SSLSocketFactory tls;

    private PushgatewayConnections(int timeoutMillis, String authorization, SSLSocketFactory tls) {
        this.timeoutMillis = timeoutMillis;
        this.authorization = authorization;
        this.tls = tls;
    }

    /**
     * @param environment where {@code passwordEnv} is looked up (the process's environment)
     * @throws IOException when the password or the certificate cannot be read
     */
    static PushgatewayConnections of(MetricsConfig.Pushgateway gateway, Map<String, String> environment) throws IOException {
        String authorization = null;
        if (gateway.username() != null) {
            String credentials = gateway.username() + ":" + password(gateway, environment);
            authorization = "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
        }
        SSLSocketFactory tls = gateway.caCertificate() == null ? null
                : trusting(Path.of(gateway.caCertificate())).getSocketFactory();
        return new PushgatewayConnections(gateway.timeoutSeconds() * 1000, authorization, tls);
    }

    private static String password(MetricsConfig.Pushgateway gateway, Map<String, String> environment) throws IOException {
        String password;
        if (gateway.passwordFile() != null) {
            Path file = Path.of(gateway.passwordFile());
            try {
                password = Files.readString(file).lines().findFirst().orElse("");
            } catch (IOException e) {
                throw new IOException("cannot read the password file " + file + " (metrics.pushgateway.passwordFile): "
                        + e.getMessage(), e);
            }
            if (password.isEmpty()) {
                throw new IOException("the password file " + file + " (metrics.pushgateway.passwordFile) is empty");
            }
        } else {
            password = environment.get(gateway.passwordEnv());
            if (password == null || password.isEmpty()) {
                throw new IOException("the environment variable " + gateway.passwordEnv()
                        + " (metrics.pushgateway.passwordEnv) is not set on the driver");
            }
        }
        return password;
    }

    /** TLS that trusts the certificates of a PEM file, and only those. */
    static SSLContext trusting(Path pem) throws IOException {
        try (InputStream in = Files.newInputStream(pem)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + n++, c);
            }
            if (n == 0) {
                throw new IOException("no certificate in " + pem + " (metrics.pushgateway.caCertificate)");
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("unusable certificate file " + pem + " (metrics.pushgateway.caCertificate): "
                    + e.getMessage(), e);
        }
    }

    @Override
    public HttpURLConnection create(String url) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
        c.setConnectTimeout(timeoutMillis);
        c.setReadTimeout(timeoutMillis);
        if (c instanceof HttpsURLConnection https && tls != null) {
            https.setSSLSocketFactory(tls);
        }
        if (authorization != null) {
            c.setRequestProperty("Authorization", authorization);
        }
        return c;
    }
}
