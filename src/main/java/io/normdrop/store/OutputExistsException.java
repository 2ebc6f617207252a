package io.normdrop.store;

/** The run directory already exists and the user did not ask to overwrite it. */
public final class OutputExistsException extends RuntimeException {
    public OutputExistsException(String dir) {
        super("output directory " + dir + " exists; pass --overwrite to replace it, or choose another with --out");
    }
}
