package io.normdrop.data;

/** An input file that does not exist or cannot be opened. */
public final class MissingInputException extends DataException {
    public MissingInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
