package io.normdrop.config;

import com.typesafe.config.Config;

/**
 * The validation set ({@code data.validation}), evaluated after every epoch beside the test set,
 * and what early stopping and the plateau schedule watch (the test set never chooses): its own
 * files (keys as {@code data.test}'s), or a fraction of the training data held out.
 *
 * @param files    the set's own files; null when the job names none
 * @param fraction the fraction of the training data held out; 0 for none
 */
public record ValidationSet(DataSource files, double fraction) {
    static final Key<Double> FRACTION = Key.number("data.validation.fraction", 0.0, """
            Hold out this fraction of the training data as the validation set (when data.validation names no \
            files): stratified (the fraction of every class, rounded), chosen by training.seed from the \
            examples' order in the files, so the same rows for the same seed and data whatever the number of \
            workers. The scaling is fitted on the rows left for training. 0: none.""",
            Rules.inRange(0, true, 0.9, true));

    /** No validation set. */
    public static final ValidationSet NONE = new ValidationSet(null, 0);

    public ValidationSet {
        FRACTION.check(fraction);
        if (files != null && fraction > 0) {
            throw ConfigException.invalid(FRACTION.path(), fraction, "give the validation set's files "
                    + "(data.validation.path, or .images and .labels) or a fraction of the training data, not both");
        }
    }

    /** Whether the job has a validation set. */
    public boolean exists() {
        return files != null || fraction > 0;
    }

    static ValidationSet from(Config c) {
        DataSource files = DataSource.from(c, "validation");
        boolean named = files.images() != null || files.labels() != null || files.path() != null;
        return new ValidationSet(named ? files : null, FRACTION.read(c));
    }
}
