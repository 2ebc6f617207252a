package io.normdrop.config;

/**
 * Feature scaling fitted on the training data ({@code data.normalization}), stored with the
 * model and applied to the test data and at inference.
 */
public enum Normalization implements JobFileName {
    /** Standardize, unless the examples are images (idx, or data.shape given): then none. Resolved when the job loads. */
    AUTO,
    /** Features as read (IDX pixels are always scaled to [0, 1] first). */
    NONE,
    /** (x − mean) / standard deviation per feature; a constant feature becomes x − mean. */
    STANDARDIZE,
    /** (x − min) / (max − min) per feature, [0, 1] on the training data; a constant feature becomes x − min. */
    MINMAX;
}
