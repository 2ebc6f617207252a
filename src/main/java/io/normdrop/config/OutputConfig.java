package io.normdrop.config;

/**
 * Where a run writes its results.
 *
 * @param dir the run directory, on any Hadoop file system; set in the job or with {@code --out}
 */
public record OutputConfig(String dir) {
    public OutputConfig {
        if (dir == null || dir.isBlank()) {
            throw new ConfigException("output.dir", "is required: set it in the job file or pass --out DIR");
        }
    }
}
