package io.normdrop.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the deployment lets a job file do: a file the operator names with the environment
 * variable {@value #ENV} (or the JVM property {@value #PROPERTY}), which no job file, sweep file
 * or {@code --set} can name or override. Without one, a job file is as trusted as a spark-submit
 * command line. With one:
 * <ul>
 *   <li>{@code spark.allow}: the {@code spark.conf} keys a job may set (an entry ending in
 *       {@code .} or {@code *} is a prefix); by default memory, cores, parallelism, shuffle,
 *       serializer, timeouts and retries ({@link #DEFAULT_SPARK}), never a way to pass JVM
 *       options, environment variables, jars, files or plugins;</li>
 *   <li>{@code pushgateway.allow}: URL prefixes a run may push its metrics to (default: none);
 *       user and password only over https;</li>
 *   <li>{@code data.roots} and {@code output.roots} (required): where data may be read
 *       ({@code data.*} paths, predict's {@code --data}, a model to score) and where runs,
 *       predictions and metrics textfiles may be written.</li>
 * </ul>
 * A job that does more is refused with one line per key (exit 64).
 */
public record DeploymentPolicy(String source, List<String> sparkAllow, List<String> pushgatewayAllow,
                               List<String> dataRoots, List<String> outputRoots) {
    public static final String ENV = "NORMDROP_POLICY";
    public static final String PROPERTY = "normdrop.policy";

    /** No policy: a job file is as trusted as a spark-submit command line. */
    public static final DeploymentPolicy NONE = new DeploymentPolicy(null, List.of(), List.of(), List.of(), List.of());

    /** The spark.conf keys a job may set when the policy does not list its own. */
    public static final List<String> DEFAULT_SPARK = List.of(
            "spark.executor.memory", "spark.executor.memoryOverhead", "spark.executor.cores", "spark.executor.instances",
            "spark.driver.memory", "spark.driver.memoryOverhead", "spark.driver.cores", "spark.driver.maxResultSize",
            "spark.cores.max", "spark.task.cpus", "spark.default.parallelism", "spark.sql.shuffle.partitions",
            "spark.memory.", "spark.shuffle.compress", "spark.shuffle.spill.compress", "spark.shuffle.file.buffer",
            "spark.reducer.maxSizeInFlight", "spark.io.compression.codec", "spark.rdd.compress", "spark.broadcast.compress",
            "spark.serializer", "spark.kryoserializer.buffer", "spark.kryoserializer.buffer.max",
            "spark.kryo.referenceTracking", "spark.kryo.registrationRequired", "spark.locality.wait",
            "spark.network.timeout", "spark.executor.heartbeatInterval", "spark.task.maxFailures",
            "spark.stage.maxConsecutiveAttempts", "spark.speculation", "spark.sql.files.maxPartitionBytes",
            "spark.dynamicAllocation.enabled", "spark.ui.enabled", "spark.ui.showConsoleProgress");

    private static final Set<String> KEYS = Set.of("spark.allow", "pushgateway.allow", "data.roots", "output.roots");

    public DeploymentPolicy {
        sparkAllow = List.copyOf(sparkAllow);
        pushgatewayAllow = List.copyOf(pushgatewayAllow);
        dataRoots = List.copyOf(dataRoots);
        outputRoots = List.copyOf(outputRoots);
    }

    /** The deployment's policy: the file {@value #PROPERTY} or {@value #ENV} names, or {@link #NONE}. */
    public static DeploymentPolicy current() {
        String file = System.getProperty(PROPERTY);
        if (file == null || file.isBlank()) {
            file = System.getenv(ENV);
        }
        return file == null || file.isBlank() ? NONE : load(Path.of(file));
    }

    /**
     * Reads a policy file.
     *
     * @throws ConfigException naming the file when it is missing or invalid
     */
    public static DeploymentPolicy load(Path file) {
        String name = ENV + " " + file;
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(name, "no such file");
        }
        Config c;
        try {
            c = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF)
                    .setAllowMissing(false)).resolve();
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(name, e.getMessage(), e);
        }
        for (var e : c.entrySet()) {
            if (!KEYS.contains(e.getKey())) {
                throw new ConfigException(name, e.getKey() + ": unknown key (a policy has " + String.join(", ", KEYS.stream()
                        .sorted().toList()) + ")");
            }
        }
        for (String required : List.of("data.roots", "output.roots")) {
            if (!c.hasPath(required)) {
                throw new ConfigException(name, required + ": is required (the roots under which jobs may "
                        + (required.startsWith("data") ? "read data" : "write") + ")");
            }
        }
        try {
            return new DeploymentPolicy(file.toString(),
                    c.hasPath("spark.allow") ? c.getStringList("spark.allow") : DEFAULT_SPARK,
                    c.hasPath("pushgateway.allow") ? c.getStringList("pushgateway.allow") : List.of(),
                    c.getStringList("data.roots").stream().map(DeploymentPolicy::root).toList(),
                    c.getStringList("output.roots").stream().map(DeploymentPolicy::root).toList());
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(name, e.getMessage(), e);
        }
    }

    /** Whether there is a policy at all. */
    public boolean restricts() {
        return source != null;
    }

    /**
     * Refuses what {@code job} does beyond the policy.
     *
     * @throws ConfigException naming the job's file and the first key that does
     */
    public void check(LoadedJob job) {
        try {
            check(job.config());
        } catch (ConfigException e) {
            throw e.at(job.source());
        }
    }

    void check(JobConfig job) {
        if (!restricts()) {
            return;
        }
        for (String key : job.spark().conf().keySet()) {
            if (sparkAllow.stream().noneMatch(a -> allows(a, key))) {
                throw new ConfigException("spark.conf." + key, "is not allowed by the deployment policy " + source
                        + " (its spark.allow)");
            }
        }
        MetricsConfig.Pushgateway push = job.metrics().pushgateway();
        if (push.url() != null) {
            if (pushgatewayAllow.stream().noneMatch(p -> push.url().startsWith(p))) {
                throw new ConfigException("metrics.pushgateway.url", "\"" + push.url() + "\" is not allowed by the "
                        + "deployment policy " + source + " (its pushgateway.allow)");
            }
            if (push.username() != null && !push.url().toLowerCase(Locale.ROOT).startsWith("https://")) {
                throw new ConfigException("metrics.pushgateway.username", "credentials go over https only under the "
                        + "deployment policy " + source);
            }
        }
        DataConfig data = job.data();
        for (DataSource s : new DataSource[]{data.train(), data.test()}) {
            if (s != null) {
                for (String[] p : new String[][]{{"images", s.images()}, {"labels", s.labels()}, {"path", s.path()}}) {
                    if (p[1] != null) {
                        requireData("data." + s.role() + "." + p[0], p[1]);
                    }
                }
            }
        }
        requireOutput("output.dir", job.output().dir());
        if (job.metrics().textfileDir() != null) {
            requireOutput("metrics.textfileDir", job.metrics().textfileDir());
        }
    }

    /** Refuses reading {@code path} (named by {@code key}) outside the data roots. */
    public void requireData(String key, String path) {
        require(key, path, dataRoots, "data.roots");
    }

    /** Refuses reading {@code path} (a model, named by {@code key}) outside both the data and the output roots. */
    public void requireReadable(String key, String path) {
        List<String> both = new ArrayList<>(dataRoots);
        both.addAll(outputRoots);
        require(key, path, both, "data.roots and output.roots");
    }

    /** Refuses writing {@code path} (named by {@code key}) outside the output roots. */
    public void requireOutput(String key, String path) {
        require(key, path, outputRoots, "output.roots");
    }

    private void require(String key, String path, List<String> roots, String rule) {
        if (!restricts()) {
            return;
        }
        String p = root(path);
        if (roots.stream().noneMatch(p::startsWith)) {
            throw new ConfigException(key, "\"" + path + "\" is outside the deployment policy's " + rule + " ("
                    + String.join(", ", roots) + ", in " + source + ")");
        }
    }

    private static boolean allows(String entry, String key) {
        return entry.endsWith("*") ? key.startsWith(entry.substring(0, entry.length() - 1))
                : entry.endsWith(".") ? key.startsWith(entry) : key.equals(entry);
    }

    /**
     * {@code path} as an absolute, normalized URI ending in '/': a local path resolved against the
     * working directory, through its symbolic links as far as it exists; a URI with its scheme.
     */
    static String root(String path) {
        String uri;
        if (path.matches("[A-Za-z][A-Za-z0-9+.-]*:.*")) {
            URI u;
            try {
                u = URI.create(path.replace(" ", "%20")).normalize();
            } catch (IllegalArgumentException e) {
                throw new ConfigException("path", "\"" + path + "\" is not a valid URI: " + e.getMessage());
            }
            // One spelling whatever normalize() did: scheme://authority/path.
            uri = "file".equals(u.getScheme()) ? local(Path.of(u.getPath()))
                    : u.getScheme().toLowerCase(Locale.ROOT) + "://" + (u.getRawAuthority() == null ? "" : u.getRawAuthority())
                    + (u.getRawPath() == null ? "" : u.getRawPath());
        } else {
            uri = local(Path.of(path));
        }
        return uri.endsWith("/") ? uri : uri + "/";
    }

    private static String local(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        List<Path> rest = new ArrayList<>();
        while (existing != null && !Files.exists(existing)) {
            rest.add(0, existing.getFileName());
            existing = existing.getParent();
        }
        Path real = abs;
        if (existing != null) {
            try {
                real = existing.toRealPath();
                for (Path r : rest) {
                    real = real.resolve(r);
                }
            } catch (IOException e) {
                real = abs;
            }
        }
        return "file:" + real;
    }
}
