package io.normdrop.job;

/**
 * Process exit codes, distinct so schedulers can act on them (values follow BSD sysexits where
 * one fits; 80 and up are Normdrop's own). Documented in src/site/markdown/commands.md; never renumber one.
 */
public enum ExitCode {
    /** The run completed and its output directory is in place. */
    OK(0),
    /** Bad command line or job file: unknown key, bad value, missing required key. */
    USAGE(64),
    /** Input data is malformed: wrong magic number, truncated, corrupt gzip, bad label. */
    DATA(65),
    /** An input file does not exist or cannot be opened. */
    NO_INPUT(66),
    /** The Spark master did not accept the application, or stopped it (wrong or missing secret, master down). */
    UNAVAILABLE(69),
    /** An unexpected failure inside Normdrop, Spark or DL4J; the log has the stack trace. */
    INTERNAL(70),
    /** The output directory exists and --overwrite was not given. */
    OUTPUT_EXISTS(73),
    /** Another run is writing the same run directory; try again when it has ended (sysexits EX_TEMPFAIL). */
    RUN_IN_PROGRESS(75),
    /** Training diverged (a NaN or infinite loss); the last good checkpoint is kept for --resume. */
    DIVERGED(80),
    /** The run finished but failed the quality gate; it was kept and nothing was published. */
    QUALITY_GATE(81);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
