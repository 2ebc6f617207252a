/**
 * Job configuration: immutable, validated records, one per section of a job file, each holding
 * its keys as {@link io.normdrop.config.Key} constants (path, type, default, meaning, rule), so
 * every key is declared once (their value types in {@code KeyTypes});
 * {@link io.normdrop.config.JobSchema} lists them and renders {@code conf/job-defaults.conf}, and
 * {@code UnknownKeys} refuses a key it does not declare; {@link io.normdrop.config.JobFiles}
 * loads HOCON job files and {@code --set} overrides into a {@link io.normdrop.config.JobConfig},
 * through the records' constructors as tests do. Depends on Typesafe Config and DL4J's enums (activations, weight
 * init, losses) only.
 */
package io.normdrop.config;
