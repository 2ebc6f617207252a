/**
 * The entry point: the {@code normdrop} command line (train, validate), exit codes, Spark
 * context set-up, and the atomic run directory with provenance. Depends on every other package.
 */
package io.normdrop.job;
