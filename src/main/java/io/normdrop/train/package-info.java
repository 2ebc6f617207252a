/**
 * Training: dl4j-spark parameter averaging over the job's data, one epoch at a time, with
 * evaluation on the cluster after each; rounds and epochs published to metrics sinks (with
 * dl4j-spark's training statistics turned into a time breakdown), a hook after each epoch for
 * checkpoints, and a stop on a NaN or infinite loss. Depends on config, metrics, data (the
 * per-epoch minibatches), Spark and dl4j-spark.
 */
package io.normdrop.train;
