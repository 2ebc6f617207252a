/**
 * Training: dl4j-spark parameter averaging over the job's data, one epoch at a time, with
 * evaluation on the cluster after each. Depends on config, metrics, Spark and dl4j-spark.
 */
package io.normdrop.train;
