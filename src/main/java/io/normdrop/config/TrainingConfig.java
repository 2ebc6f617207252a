package io.normdrop.config;

/**
 * Distributed training with parameter averaging.
 *
 * @param epochs             passes over the training set (>= 1)
 * @param seed               seeds weight init, dropout masks and the data splits (any long)
 * @param updater            gradient updater and learning rate
 * @param l2                 L2 weight decay on weights (>= 0, default 0)
 * @param workers            parallel workers (partitions); 0 uses Spark's default parallelism
 * @param batchSizePerWorker minibatch size each worker fits (>= 1)
 * @param averagingFrequency minibatches each worker fits between parameter averagings (>= 1).
 *                           Low values average often: closer to single-machine training, but
 *                           more time spent broadcasting and collecting parameters. High values
 *                           are faster but let workers drift apart, which costs accuracy.
 * @param prefetch           minibatches each worker loads ahead of fitting (>= 0; 0 disables)
 * @param approach           how minibatches reach workers: direct (default) or export
 *                           (export needs master = parameter-averaging)
 * @param master             which training master averages the workers: resident (Normdrop's,
 *                           default) or parameter-averaging (dl4j-spark's own)
 * @param threadsPerWorker   ND4J and BLAS threads of each worker with the resident master; 0
 *                           (default): spark.task.cpus, or in local mode the cores per worker
 */
public record TrainingConfig(int epochs, long seed, UpdaterSpec updater, double l2, int workers,
                             int batchSizePerWorker, int averagingFrequency, int prefetch,
                             TrainingApproach approach, TrainingMasterKind master, int threadsPerWorker) {
    public TrainingConfig {
        Checks.atLeast("training.epochs", epochs, 1);
        if (updater == null) {
            throw new ConfigException("training.updater", "is required");
        }
        Checks.nonNegative("training.l2", l2);
        Checks.atLeast("training.workers", workers, 0);
        Checks.atLeast("training.batchSizePerWorker", batchSizePerWorker, 1);
        Checks.atLeast("training.averagingFrequency", averagingFrequency, 1);
        Checks.atLeast("training.prefetch", prefetch, 0);
        if (approach == null) {
            throw new ConfigException("training.approach", "is required");
        }
        if (master == null) {
            throw new ConfigException("training.master", "is required");
        }
        if (approach == TrainingApproach.EXPORT && master == TrainingMasterKind.RESIDENT) {
            throw ConfigException.invalid("training.approach", "export",
                    "export needs training.master = parameter-averaging (the resident master reads the RDD directly)");
        }
        Checks.atLeast("training.threadsPerWorker", threadsPerWorker, 0);
    }
}
