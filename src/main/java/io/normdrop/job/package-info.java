/**
 * The entry point: the {@code normdrop} command line (train, validate, sweep, compare), exit
 * codes, Spark context set-up (master, authentication secret), and the run directory: atomic,
 * locked, checkpointed for {@code --resume}, with provenance, metrics files and, for runs with a
 * run id, the quality gate and the published copy. Depends on every other package.
 */
package io.normdrop.job;
