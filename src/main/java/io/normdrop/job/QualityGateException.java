package io.normdrop.job;

/** The run finished but failed its quality gate: it is kept, and nothing was published. */
final class QualityGateException extends RuntimeException {
    QualityGateException(String message) {
        super(message);
    }
}
