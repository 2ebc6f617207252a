package io.normdrop.config;

/**
 * How labels that are names become classes 0..k-1 ({@code data.labelOrder}), as Spark MLlib's
 * {@code StringIndexer} orders them; a job that lists {@code data.classNames} gives the order itself.
 */
public enum LabelOrder implements JobFileName {
    /** The most frequent label in the training data is class 0; ties by name. */
    FREQUENCY,
    /** By name (String order). */
    ALPHABETICAL;
}
