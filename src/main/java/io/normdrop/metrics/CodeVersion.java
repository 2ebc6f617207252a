package io.normdrop.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The version of the code that ran, from the build: Maven version and git commit.
 *
 * @param version project version
 * @param commit  abbreviated git commit, or "unknown" when built outside git
 * @param dirty   whether the working tree had uncommitted changes at build time
 */
public record CodeVersion(String version, String commit, boolean dirty) {
    public static CodeVersion current() {
        Properties p = new Properties();
        try (InputStream in = CodeVersion.class.getResourceAsStream("/io/normdrop/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // Fall through to "unknown".
        }
        String commit = p.getProperty("commit", "");
        return new CodeVersion(p.getProperty("version", "unknown"),
                commit.isBlank() || commit.startsWith("${") ? "unknown" : commit,
                Boolean.parseBoolean(p.getProperty("dirty", "false")));
    }

    @Override
    public String toString() {
        return version + " (" + commit + (dirty ? ", modified" : "") + ")";
    }
}
