/**
 * The run's storage, on any Hadoop file system: the run directory (written aside and committed
 * atomically, locked against a second run, named by its run id), epoch checkpoints for
 * {@code --resume}, the run's files (model files carrying their provenance and metrics, the
 * resolved job, the metrics files) and, for runs with a run id, the quality gate and the
 * published copy. Depends on config, data (the scaling stored with a model), nn (folding for the
 * inference model), metrics (the documents it writes), onnx (the run's model.onnx), Hadoop and DL4J's ModelSerializer; not on
 * train or job.
 */
package io.normdrop.store;
