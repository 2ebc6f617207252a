/**
 * Data: reading IDX, csv, libsvm and parquet from any Hadoop file system on Spark, checking every
 * record (bad ones named by file and line), feature scaling fitted with Spark aggregations, and
 * balanced minibatch DataSets reshuffled every epoch on the executors; synthetic data for scale
 * tests. Depends on config, Hadoop, Spark (core, SQL, MLlib's summarizer) and ND4J.
 */
package io.normdrop.data;
