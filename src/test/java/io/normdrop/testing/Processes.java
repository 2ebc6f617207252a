package io.normdrop.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command from the repository root, bound to 127.0.0.1, and collects what it printed. */
public final class Processes {
    private Processes() {
    }

    /**
     * @param code exit status
     * @param out  standard output
     * @param err  standard error
     */
    public record Result(int code, String out, String err) {
    }

    /** Runs {@code command}, killing it if it takes longer than five minutes. */
    public static Result run(List<String> command) throws IOException, InterruptedException {
        return run(command, java.util.Map.of());
    }

    /** Runs {@code command} with {@code env} added to its environment, killing it after five minutes. */
    public static Result run(List<String> command, java.util.Map<String, String> env)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("normdrop", ".out");
        Path err = Files.createTempFile("normdrop", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
            pb.environment().put("NORMDROP_DRIVER_MEMORY", "2g");
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError(String.join(" ", command) + " did not finish in 5 minutes");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
