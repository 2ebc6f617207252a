/**
 * Data: reading IDX, csv, libsvm and parquet from any Hadoop file system on Spark
 * ({@link io.normdrop.data.DataLoader}), checking every record (bad ones named by file and line,
 * {@link io.normdrop.data.RecordSummary} per set, the bad-record policy in
 * {@link io.normdrop.data.DataChecks}, which scoring shares),
 * feature scaling fitted with Spark aggregations, and the training epochs: a cached shard per
 * worker reshuffled in place every epoch ({@link io.normdrop.data.ShardedEpochs}), or balanced
 * partitions reshuffled across the workers every epoch ({@link io.normdrop.data.ReshuffledEpochs}),
 * cut into minibatch DataSets on the executors ({@link io.normdrop.data.DataSets}); synthetic data for scale tests. Depends on
 * config, Hadoop, Spark (core, SQL, MLlib's summarizer) and ND4J.
 */
package io.normdrop.data;
