package io.normdrop.config;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderClasspath;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigParseable;
import com.typesafe.config.ConfigSyntax;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a job file may {@code include}: files in its own directory and below, nothing else. A job
 * file from elsewhere (a colleague's, a ticket's) must not make the job fetch a URL, read
 * {@code ~/.ssh} or a classpath resource into its configuration, which Normdrop copies into the
 * run's provenance. Refusals name the job file and the include.
 */
final class JobIncluder implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL, ConfigIncluderClasspath {
    /** Real path of the including job file's directory; null: the job is text and includes nothing. */
    private final Path root;
    private final String source;

    private JobIncluder(Path root, String source) {
        this.root = root;
        this.source = source;
    }

    /** Parse options for the job (or sweep) file {@code file}: HOCON, must exist, includes confined to its directory. */
    static ConfigParseOptions options(Path file) {
        Path root;
        try {
            root = file.toAbsolutePath().getParent().toRealPath();
        } catch (IOException e) {
            throw new ConfigException("job file", "cannot resolve the directory of " + file + ": " + e.getMessage(), e);
        }
        return ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false)
                .setIncluder(new JobIncluder(root, file.toString()));
    }

    /** Parse options for a job given as text: any include is refused. */
    static ConfigParseOptions textOptions(String origin) {
        return ConfigParseOptions.defaults().setOriginDescription(origin).setIncluder(new JobIncluder(null, origin));
    }

    @Override
    public ConfigIncluder withFallback(ConfigIncluder fallback) {
        return this; // no fallback: nothing but this decides what a job may include
    }

    @Override
    public ConfigObject include(ConfigIncludeContext context, String what) {
        if (root == null) {
            throw refused("include \"" + what + "\"", "a job given as text may include nothing");
        }
        // An unqualified include "x" may be a URL or a file name (HOCON tries both): only a file is allowed.
        if (what.matches("[A-Za-z][A-Za-z0-9+.-]*:.*")) {
            throw refused("include \"" + what + "\"", "a job file may not include a URL");
        }
        ConfigParseable relative = context.relativeTo(what);
        if (relative == null || relative.origin().filename() == null) {
            throw refused("include \"" + what + "\"", "only files in the job's directory may be included");
        }
        return parseInside(Path.of(relative.origin().filename()), context, "include \"" + what + "\"");
    }

    @Override
    public ConfigObject includeFile(ConfigIncludeContext context, File what) {
        return parseInside(what.toPath(), context, "include file(\"" + what + "\")");
    }

    @Override
    public ConfigObject includeURL(ConfigIncludeContext context, URL what) {
        throw refused("include url(\"" + what + "\")", "a job file may not include a URL");
    }

    @Override
    public ConfigObject includeResources(ConfigIncludeContext context, String what) {
        throw refused("include classpath(\"" + what + "\")", "a job file may not include classpath resources");
    }

    private ConfigObject parseInside(Path file, ConfigIncludeContext context, String include) {
        if (root == null) {
            throw refused(include, "a job given as text may include nothing");
        }
        Path real = file.toAbsolutePath().normalize();
        try {
            if (Files.exists(real)) {
                real = real.toRealPath(); // a symbolic link counts where it points
            }
        } catch (IOException e) {
            throw refused(include, "cannot resolve " + file + ": " + e.getMessage());
        }
        if (!real.startsWith(root)) {
            throw refused(include, real + " is outside the job's directory " + root);
        }
        // The context's options say whether the include is required(...); nested includes obey this includer too.
        return ConfigFactory.parseFile(real.toFile(), context.parseOptions().setIncluder(this)).root();
    }

    private ConfigException refused(String include, String why) {
        return new ConfigException(source, include + " refused: " + why
                + " (a job file may include only files in its own directory and below)");
    }
}
