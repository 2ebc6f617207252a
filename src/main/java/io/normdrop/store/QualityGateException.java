package io.normdrop.store;

/** The run finished but failed its quality gate: it is kept, and nothing was published. */
public final class QualityGateException extends RuntimeException {
    public QualityGateException(String message) {
        super(message);
    }
}
