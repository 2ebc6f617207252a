package io.normdrop.config;

/**
 * How dl4j-spark hands minibatches to workers ({@code training.approach}).
 * {@code direct} trains from the cached RDD and works on any cluster; {@code export} first writes
 * serialized minibatches to a directory every worker can read (faster for large data sets, but a
 * non-local master then needs a shared file system).
 */
public enum TrainingApproach implements JobFileName {
    DIRECT, EXPORT;
}
