package io.normdrop.data;

/** Input data that cannot be used: the message names the file, the record and the fault. */
public class DataException extends RuntimeException {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
