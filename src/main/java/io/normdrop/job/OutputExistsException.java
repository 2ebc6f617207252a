package io.normdrop.job;

/** The run directory already exists and the user did not ask to overwrite it. */
final class OutputExistsException extends RuntimeException {
    OutputExistsException(String dir) {
        super("output directory " + dir + " exists; pass --overwrite to replace it, or choose another with --out");
    }
}
