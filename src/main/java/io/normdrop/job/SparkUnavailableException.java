package io.normdrop.job;

/**
 * Spark stopped the application under the job: the master never accepted it (with
 * spark.authenticate, a missing or wrong secret looks like this after Spark's registration
 * retries) or went away.
 */
final class SparkUnavailableException extends RuntimeException {
    SparkUnavailableException(String master, Throwable cause) {
        super("the Spark master " + master + " did not accept the application or stopped it: check spark.authenticate "
                + "and its secret, and that the master is up (Spark's log has the reason)", cause);
    }
}
