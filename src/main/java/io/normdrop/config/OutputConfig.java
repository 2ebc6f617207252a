package io.normdrop.config;

/**
 * Where a run writes its results.
 *
 * @param dir   the run directory, on any Hadoop file system; set in the job or with {@code --out}.
 *              With a run id, the job's directory instead: each run goes to {@code dir/RUN_ID}
 *              and the run that passes the quality gate is published to {@code dir/published}
 * @param runId null (the run directory is {@code dir}), {@value #AUTO_RUN_ID} (an id from the start
 *              time, UTC), or an id of letters, digits, '.', '_' and '-'
 */
public record OutputConfig(String dir, String runId) {
    /** The run id that asks for one generated from the start time. */
    public static final String AUTO_RUN_ID = "auto";

    public OutputConfig {
        if (dir == null || dir.isBlank()) {
            throw new ConfigException("output.dir", "is required: set it in the job file or pass --out DIR");
        }
        if (runId != null && !runId.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}")) {
            throw ConfigException.invalid("output.runId", runId,
                    "letters, digits, '.', '_' and '-', starting with a letter or digit, or auto, or null");
        }
        if (runId != null && runId.equals("published")) {
            throw ConfigException.invalid("output.runId", runId, "the name of the published copy");
        }
    }
}
