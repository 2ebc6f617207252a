package io.normdrop.config;

import java.util.List;

/**
 * Where the data comes from, how it is read and checked, and how its features are scaled.
 *
 * @param format         data format: idx, csv, libsvm or parquet
 * @param train          the training set
 * @param test           the held-out set evaluated after every epoch
 * @param batchSize      examples in each minibatch DataSet the executors build (default 64); also
 *                       the evaluation batch. Workers re-batch to {@code training.batchSizePerWorker}.
 * @param classNames     names of the classes, by label, for reports; empty: the labels themselves
 * @param features       features per example; 0 (default) infers it from the training data
 * @param classes        classes (labels 0..classes-1); 0 (default) takes the output layer's
 *                       units, or, when those are not given either, the largest training label + 1
 * @param csv            how csv files are laid out
 * @param parquet        which parquet columns hold the label and the features
 * @param onBadRecord    fail (default) or skip records that cannot be used
 * @param maxBadFraction with skip: the largest fraction of bad records tolerated (0..1, default 0.01)
 * @param normalization  feature scaling fitted on the training data (default none)
 */
public record DataConfig(DataFormat format, DataSource train, DataSource test, int batchSize, List<String> classNames,
                         int features, int classes, Csv csv, Parquet parquet, BadRecordPolicy onBadRecord,
                         double maxBadFraction, Normalization normalization) {
    /**
     * Layout of csv files.
     *
     * @param header    whether every file starts with a header line (default false)
     * @param delimiter the field separator, one character (default ",")
     * @param label     the label column: a 0-based index, or a name from the header (default "0")
     */
    public record Csv(boolean header, String delimiter, String label) {
        public Csv {
            if (delimiter == null || delimiter.length() != 1 || delimiter.equals("\"") || delimiter.equals("\n")) {
                throw ConfigException.invalid("data.csv.delimiter", delimiter, "one character other than a quote or newline");
            }
            Checks.notBlank("data.csv.label", label);
            if (!header && labelIndex(label) < 0) {
                throw ConfigException.invalid("data.csv.label", label,
                        "a column index (0, 1, ...); a column name needs data.csv.header = true");
            }
        }

        public static Csv defaults() {
            return new Csv(false, ",", "0");
        }

        /** The label column's index when {@code label} is one, else -1 (a name). */
        public static int labelIndex(String label) {
            return label.matches("\\d{1,9}") ? Integer.parseInt(label) : -1;
        }

        public char separator() {
            return delimiter.charAt(0);
        }
    }

    /**
     * Columns of parquet files.
     *
     * @param label    the label column: any integer type, or a floating-point type holding integers
     * @param features an array or ML vector column; null: every other column, each a numeric feature
     */
    public record Parquet(String label, String features) {
        public Parquet {
            Checks.notBlank("data.parquet.label", label);
            if (features != null) {
                Checks.notBlank("data.parquet.features", features);
            }
        }

        public static Parquet defaults() {
            return new Parquet("label", "features");
        }
    }

    public DataConfig {
        if (format == null) {
            throw new ConfigException("data.format", "is required");
        }
        requireFiles(format, train);
        requireFiles(format, test);
        Checks.atLeast("data.batchSize", batchSize, 1);
        classNames = List.copyOf(classNames);
        for (int i = 0; i < classNames.size(); i++) {
            Checks.notBlank("data.classNames[" + i + "]", classNames.get(i));
        }
        Checks.atLeast("data.features", features, 0);
        Checks.atLeast("data.classes", classes, 0);
        if (classes == 1) {
            throw ConfigException.invalid("data.classes", classes, "0 (infer) or at least 2");
        }
        if (csv == null || parquet == null || onBadRecord == null || normalization == null) {
            throw new ConfigException("data", "csv, parquet, onBadRecord and normalization are required");
        }
        if (!(maxBadFraction >= 0 && maxBadFraction <= 1)) {
            throw ConfigException.invalid("data.maxBadFraction", maxBadFraction, "between 0 and 1");
        }
    }

    private static void requireFiles(DataFormat format, DataSource source) {
        if (source == null) {
            throw new ConfigException("data", "train and test are required");
        }
        if (format == DataFormat.IDX) {
            if (source.images() == null || source.labels() == null) {
                throw new ConfigException(source.key() + (source.images() == null ? ".images" : ".labels"),
                        "is required (path of an IDX file) for data.format = idx");
            }
        } else if (source.path() == null) {
            throw new ConfigException(source.key() + ".path",
                    "is required (a file, directory or glob) for data.format = " + format.jobName());
        }
    }

    /** The name of class {@code label}: from {@code classNames}, else the label itself. */
    public String className(int label) {
        return label < classNames.size() ? classNames.get(label) : String.valueOf(label);
    }
}
