package io.normdrop.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads HOCON job files: merges a job over the defaults of {@link JobSchema}, applies
 * {@code --set key=value} overrides, rejects unknown keys, and builds the validated
 * {@link JobConfig}. Errors name the file and line a value came from.
 */
public final class JobFiles {
    private static final String SET_ORIGIN = "--set";
    /**
     * Resolving never reads the environment: a job file from elsewhere could otherwise copy a
     * secret ($_SPARK_AUTH_SECRET, a token) into spark.conf and so into the run's provenance,
     * job.conf and metrics.
     */
    private static final ConfigResolveOptions RESOLVE = ConfigResolveOptions.defaults().setUseSystemEnvironment(false);
    private static final Pattern INDEX = Pattern.compile("\\[(\\d+)]");

    private JobFiles() {
    }

    /**
     * Loads and validates a job file.
     *
     * @param file      the HOCON job file
     * @param overrides {@code key=value} pairs applied over the file, in order; a key may index
     *                  a list: {@code model.layers[0].units=128}
     * @throws ConfigException naming the file, line, key, value and what is allowed
     */
    public static LoadedJob load(Path file, List<String> overrides) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("job file", "no such file: " + file);
        }
        Config job;
        try {
            job = ConfigFactory.parseFile(file.toFile(), parseOptions(file));
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException("job file", e.getMessage(), e);
        }
        return build(file.toString(), job, overrides);
    }

    /**
     * How Normdrop parses a job or sweep file: HOCON; {@code include} only of files in the file's
     * own directory and below (URLs, classpath resources and other files are refused, see
     * {@link JobIncluder}).
     */
    public static ConfigParseOptions parseOptions(Path file) {
        return JobIncluder.options(file);
    }

    /** How Normdrop parses a job given as text (a Spark ML param, a test): HOCON that may include nothing. */
    public static ConfigParseOptions textParseOptions(String origin) {
        return JobIncluder.textOptions(origin);
    }

    /** Loads and validates a job given as HOCON text (tests, embedded jobs). */
    public static LoadedJob parse(String hocon, List<String> overrides) {
        Config job;
        try {
            job = ConfigFactory.parseString(hocon, textParseOptions("job"));
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException("job", e.getMessage(), e);
        }
        return build("job", job, overrides);
    }

    /**
     * Validates a job already parsed, e.g. the {@code job} block of a sweep file; errors name
     * the origins the config carries.
     *
     * @param source what to call the job in provenance and errors
     */
    public static LoadedJob of(Config job, String source, List<String> overrides) {
        return build(source, job, overrides);
    }

    private static LoadedJob build(String source, Config job, List<String> overrides) {
        Config defaults = JobSchema.defaults();
        try {
            job = JobSchema.renameAliases(job);
        } catch (ConfigException e) {
            throw e.at(originOf(job, e.key(), source));
        }
        for (String override : overrides) {
            job = applyOverride(job, defaults, override);
        }
        try {
            UnknownKeys.reject(job.root());
            Config resolved = job.withFallback(defaults).resolve(RESOLVE);
            return new LoadedJob(source, resolved, JobConfig.from(resolved));
        } catch (ConfigException e) {
            throw e.at(originOf(job, e.key(), source));
        } catch (com.typesafe.config.ConfigException.UnresolvedSubstitution
                 | com.typesafe.config.ConfigException.NotResolved e) {
            throw new ConfigException(source, e.getMessage() + " (job files take no ${...} substitutions and never read "
                    + "environment variables: give the value with --set KEY=VALUE)", e);
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(source, e.getMessage(), e);
        }
    }

    // ---- overrides ------------------------------------------------------------------------

    static Config applyOverride(Config job, Config defaults, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("--set", "expected key=value, got \"" + override + "\"");
        }
        String key = JobSchema.canonical(override.substring(0, eq).trim());
        ConfigValue value = parseValue(override.substring(eq + 1).trim());
        List<String> segments = segments(key);
        try {
            return withValue(job, defaults, segments, value, key);
        } catch (com.typesafe.config.ConfigException e) {
            // e.g. an index into a key that is no list (found by fuzzing sweep files: exit 70 before).
            throw new ConfigException(key, "cannot be set to " + value.render() + ": " + e.getMessage(), e);
        }
    }

    private static ConfigValue parseValue(String raw) {
        try {
            return ConfigFactory.parseString("v = " + raw, ConfigParseOptions.defaults().setOriginDescription(SET_ORIGIN))
                    .root().get("v");
        } catch (com.typesafe.config.ConfigException e) {
            return ConfigValueFactory.fromAnyRef(raw, SET_ORIGIN);
        }
    }

    /** Splits {@code model.layers[0].units} (or {@code model.layers.0.units}) into path segments. */
    private static List<String> segments(String key) {
        Matcher m = INDEX.matcher(key);
        String dotted = m.replaceAll(".$1");
        List<String> out = new ArrayList<>();
        for (String s : dotted.split("\\.", -1)) {
            if (s.isEmpty()) {
                throw new ConfigException("--set", "malformed key \"" + key + "\"");
            }
            out.add(s);
        }
        return out;
    }

    private static Config withValue(Config base, Config fallback, List<String> segments, ConfigValue value, String key) {
        for (int i = 0; i < segments.size(); i++) {
            if (i > 0 && segments.get(i).chars().allMatch(Character::isDigit)) {
                String listPath = ConfigUtil.joinPath(segments.subList(0, i));
                ConfigList list = base.hasPath(listPath) ? base.getList(listPath)
                        : fallback != null && fallback.hasPath(listPath) ? fallback.getList(listPath) : null;
                if (list == null) {
                    throw new ConfigException(key, "\"" + listPath + "\" is not a list");
                }
                int index = Integer.parseInt(segments.get(i));
                if (index >= list.size()) {
                    throw new ConfigException(key, "index " + index + " out of range: " + listPath
                            + " has " + list.size() + " element(s)");
                }
                ConfigValue element = list.get(index);
                ConfigValue replaced;
                if (i == segments.size() - 1) {
                    replaced = value;
                } else if (element.valueType() == ConfigValueType.OBJECT) {
                    Config inner = ((ConfigObject) element).toConfig();
                    replaced = withValue(inner, null, segments.subList(i + 1, segments.size()), value, key).root();
                } else {
                    throw new ConfigException(key, listPath + "[" + index + "] is not an object");
                }
                List<ConfigValue> copy = new ArrayList<>(list);
                copy.set(index, replaced);
                return base.withValue(listPath, ConfigValueFactory.fromIterable(copy));
            }
        }
        return base.withValue(ConfigUtil.joinPath(segments), value);
    }

    // ---- origins -----------------------------------------------------------------------------

    /** {@code file:line} of the value a key names, or just the source when it is not in the file. */
    private static String originOf(Config job, String key, String source) {
        try {
            List<String> segments = segments(key);
            ConfigValue value = job.root();
            for (String s : segments) {
                if (value instanceof ConfigObject o && o.containsKey(s)) {
                    value = o.get(s);
                } else if (value instanceof ConfigList l && s.chars().allMatch(Character::isDigit)
                        && Integer.parseInt(s) < l.size()) {
                    value = l.get(Integer.parseInt(s));
                } else {
                    break;
                }
            }
            if (value.origin().filename() == null) {
                return value.origin().description().startsWith(SET_ORIGIN) ? source + " (" + SET_ORIGIN + ")" : source;
            }
            int line = value.origin().lineNumber();
            return line > 0 ? value.origin().filename() + ":" + line : value.origin().filename();
        } catch (RuntimeException e) {
            return source;
        }
    }
}
