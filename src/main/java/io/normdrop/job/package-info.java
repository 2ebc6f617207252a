/**
 * The entry point: the {@code normdrop} command line (train, validate, sweep, compare, generate,
 * keys), exit codes, Spark context set-up (master, authentication secret), and
 * {@link io.normdrop.job.TrainJob}, which runs the named steps of a training run from the other
 * packages. Depends on every other package; nothing depends on it.
 */
package io.normdrop.job;
