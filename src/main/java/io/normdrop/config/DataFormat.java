package io.normdrop.config;

/** Formats Normdrop reads ({@code data.format}). */
public enum DataFormat implements JobFileName {
    /** MNIST-format IDX image and label files, gzipped or not; read and checked on the driver. */
    IDX,
    /** Delimited text, one example per line: a label column and numeric feature columns. */
    CSV,
    /** LibSVM/SVMlight text: {@code label index:value ...}, indices 1-based and ascending. */
    LIBSVM,
    /** Parquet: a label column and an array or vector column, or one numeric column per feature. */
    PARQUET;
}
