package io.normdrop.store;

/** The output (a run directory or a file) already exists and the user did not ask to overwrite it. */
public final class OutputExistsException extends RuntimeException {
    public OutputExistsException(String dir) {
        this("output directory " + dir + " exists; pass --overwrite to replace it, or choose another with --out", true);
    }

    private OutputExistsException(String message, boolean unused) {
        super(message);
    }

    /** For an output file. */
    public static OutputExistsException file(String file) {
        return new OutputExistsException("output file " + file + " exists; pass --overwrite to replace it, or choose "
                + "another with --out", true);
    }
}
