package io.normdrop.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A job file after loading: the validated configuration and the resolved HOCON it came from
 * (defaults, file and overrides merged), kept for provenance.
 *
 * @param source   where the job came from (a file path, or a description for in-memory jobs)
 * @param resolved every key with its effective value
 * @param config   the validated job
 */
public record LoadedJob(String source, Config resolved, JobConfig config) {
    /** The resolved job as HOCON: loading it again gives an equal {@link #config}. */
    public String renderHocon() {
        return resolved.root().render(ConfigRenderOptions.defaults().setOriginComments(false).setComments(false).setJson(false));
    }

    /** The job's name: its file name without the {@code .conf} extension (the {@code model} label of its metrics). */
    public String name() {
        return nameOf(source);
    }

    /** The name of a job or sweep file: its file name without the {@code .conf} extension. */
    public static String nameOf(String file) {
        String name = file.substring(file.lastIndexOf('/') + 1);
        return name.endsWith(".conf") ? name.substring(0, name.length() - 5) : name;
    }

    /** Whether the job (its file or a --set) gives {@code path} a value of its own, not the default. */
    public boolean sets(String path) {
        return resolved.hasPath(path) && !resolved.getValue(path).origin().description().startsWith("job defaults");
    }

    /** SHA-256 of the resolved job without its output section: equal for runs of the same job. */
    public String configDigest() {
        return digest(resolved.withoutPath("output"));
    }

    /** Like {@link #configDigest}, without {@code training.epochs} as well: a resumed run may train longer. */
    public String resumeDigest() {
        return digest(resolved.withoutPath("output").withoutPath("training.epochs")
                .withoutPath("training.checkpoint"));
    }

    private static String digest(Config config) {
        byte[] rendered = config.root().render(ConfigRenderOptions.concise()).getBytes(StandardCharsets.UTF_8);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(rendered));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
