package io.normdrop.config;

import com.typesafe.config.Config;

/**
 * Where a run writes its results: the values of the keys under {@code output}, declared below.
 */
public record OutputConfig(String dir, String runId, boolean onnx) {
    /** The run id that asks for one generated from the start time. */
    public static final String AUTO_RUN_ID = "auto";
    /** The name of the published copy in a job's directory, which no run id may take. */
    public static final String PUBLISHED = "published";

    static final Key<String> DIR = Key.optionalString("output.dir", null, """
            The run directory (any Hadoop file system); --out DIR overrides it. With a run id, the job's \
            directory instead: each run goes to dir/RUN_ID, and a run that passes the quality gate is copied \
            to dir/published (replaced atomically) and named in dir/LATEST. Scheduled jobs use this: every \
            night a new run, the good one published.""", Rules.notBlank());
    static final Key<String> RUN_ID = Key.optionalString("output.runId", null, """
            null: no run id (dir is the run directory). auto: an id from the start time (UTC), e.g. \
            20261127-023000. Or any id of letters, digits, '.', '_', '-'. --run-id overrides it.""",
            (key, value) -> {
                Rules.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}",
                        "letters, digits, '.', '_' and '-', starting with a letter or digit, or auto, or null")
                        .check(key, value);
                if (value.equals(PUBLISHED)) {
                    throw ConfigException.invalid(key, value, "the name of the published copy");
                }
            });

    static final Key<Boolean> ONNX = Key.bool("output.onnx", false, """
            true: the run also writes model.onnx (ONNX opset 13, what normdrop export writes) beside its model \
            files, so the published copy carries it: raw rows in as they are in the data files (the model's \
            scaling is in the graph), class probabilities out, for ONNX Runtime and other ONNX servers.""");

    public OutputConfig {
        if (dir == null || dir.isBlank()) {
            throw new ConfigException(DIR.path(), "is required: set it in the job file or pass --out DIR");
        }
        RUN_ID.check(runId);
    }

    static OutputConfig from(Config c) {
        return new OutputConfig(DIR.read(c), RUN_ID.read(c), ONNX.read(c));
    }
}
