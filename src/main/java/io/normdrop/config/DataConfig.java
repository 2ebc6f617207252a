package io.normdrop.config;

import com.typesafe.config.Config;

import java.util.List;

/**
 * Where the data comes from, how it is read and checked, and how its features are scaled. Each
 * component is the value of the key of the same name under {@code data}, declared below.
 *
 * @param shape      the image shape the job gives; null when it gives none (idx files then give theirs)
 * @param validation the validation set: its own files, a fraction of the training data, or none
 */
public record DataConfig(DataFormat format, DataSource train, DataSource test, int batchSize, List<String> classNames,
                         int features, int classes, Csv csv, Parquet parquet, BadRecordPolicy onBadRecord,
                         double maxBadFraction, Normalization normalization, LabelOrder labelOrder,
                         ImageShape shape, int cacheLimitMiB, int shuffleBuffer, ValidationSet validation) {
    static final Key<DataFormat> FORMAT = Key.oneOf("data.format", DataFormat.class, DataFormat.IDX, """
            Data format. idx: MNIST-format IDX image and label files, gzipped or not (read on the driver; \
            pixels scaled to [0, 1]); keys train.images, train.labels (and test.*). csv: delimited text, one \
            example per line (see csv); libsvm: "label index:value ..." per line, indices 1-based and ascending \
            (Spark's libsvm format; absent indices are 0); parquet: a label column and a features column (see \
            parquet); keys train.path, test.path. csv, libsvm and parquet are read on the executors, never \
            collected to the driver; a path is a file, a directory of part files or a glob, on any Hadoop file \
            system (file:, hdfs:, s3a:); .gz csv and libsvm files are decompressed.""");
    static final Key<Integer> FEATURES = Key.integer("data.features", 0, """
            Features per example; 0 infers them from the training data (idx: rows x columns; csv: the columns \
            but the label; libsvm: the largest index; parquet: the array length or the columns).""",
            Rules.atLeast(0));
    static final Key<List<Integer>> SHAPE = Key.integers("data.shape", List.of(), """
            [channels, height, width] of each example when the examples are images, which conv2d, \
            weightnorm-conv2d and subsampling layers need: the features are the pixels, channel by channel, \
            each channel row by row, and the shape must multiply to the number of features. [] = idx: \
            [1, rows, columns] of the image file; other formats: no shape (feature rows for dense layers).""",
            (key, value) -> {
                if (!value.isEmpty()) {
                    Rules.sizes(3).check(key, value);
                }
            });
    static final Key<Integer> CLASSES = Key.integer("data.classes", 0, """
            Classes (labels 0..classes-1); 0 takes the output layer's units, or when the output layer gives \
            none, infers them from the training data (largest label + 1).""", (key, value) -> {
                if (value < 0 || value == 1) {
                    throw ConfigException.invalid(key, value, "0 (infer) or at least 2");
                }
            });
    static final Key<BadRecordPolicy> ON_BAD_RECORD = Key.oneOf("data.onBadRecord", BadRecordPolicy.class,
            BadRecordPolicy.FAIL, """
            A record that cannot be used (unparsable, wrong number of features, NaN or infinite value, label \
            not a whole number or out of range): fail = stop before training with exit code 65, printing the \
            first problems, one line each (file, line or record, fault); skip = leave it out, count it in the \
            metrics, and still fail when more than maxBadFraction of a set is bad.""");
    static final Key<Double> MAX_BAD_FRACTION = Key.number("data.maxBadFraction", 0.01,
            "With onBadRecord = skip: the largest fraction of bad records a set may have.", Rules.fraction());
    static final Key<Normalization> NORMALIZATION = Key.oneOf("data.normalization", Normalization.class,
            Normalization.AUTO, """
            Feature scaling fitted on the training data with Spark aggregations, stored with the model \
            (model.zip, as DL4J's normalizer) and applied to the test data and at inference: auto (standardize, \
            unless the examples are images: idx, or data.shape given, whose pixels are used as they are) | none | \
            standardize ((x - mean) / std) | minmax ((x - min) / (max - min)). A constant feature is shifted, \
            never divided by zero.""");
    static final Key<Integer> BATCH_SIZE = Key.integer("data.batchSize", 64, """
            Examples in each minibatch DataSet the executors build; also the evaluation batch. Workers \
            re-batch to training.batchSizePerWorker.""", Rules.atLeast(1));
    static final Key<List<String>> CLASS_NAMES = Key.strings("data.classNames", """
            Class names by label, for reports and predictions (e.g. [ "T-shirt/top", "Trouser", ... ]); empty: \
            the labels themselves. When the labels in the data are names (csv: the first record's label is not \
            a number; parquet: a string label column), this list is their order: class i is the i-th name.""");
    static final Key<LabelOrder> LABEL_ORDER = Key.oneOf("data.labelOrder", LabelOrder.class, LabelOrder.FREQUENCY, """
            Labels that are names (cat, dog; iris's setosa) are indexed on Spark before training, as MLlib's \
            StringIndexer does, unless data.classNames gives the order: frequency = the most frequent training \
            label is class 0, ties by name; alphabetical = by name. The names are kept with the model (its \
            provenance) and are the class names of metrics, reports and predictions.""");

    static final Key<Integer> CACHE_LIMIT_MIB = Key.integer("data.cacheLimitMiB", 512, """
            A training set whose features take at most this many MiB (good examples x features x 4 bytes) \
            is read once and kept on the executors (serialized, spilling to disk), and each worker shuffles its \
            whole share every epoch. A larger one is streamed: every epoch each worker reads its share from the files again, \
            in memory that does not grow with the data (allreduce master only; the resident and \
            parameter-averaging masters keep every set, and refuse one larger than the executors' storage \
            memory). 0: always stream.""", Rules.atLeast(0));
    static final Key<Integer> SHUFFLE_BUFFER = Key.integer("data.shuffleBuffer", 8192, """
            Streamed training sets: examples each worker holds to shuffle what it reads (the next example \
            trained is a random one of them, as tf.data's shuffle buffer), on top of a new seeded order of \
            the files' parts (Spark partitions) dealt to the workers every epoch. Memory: about shuffleBuffer \
            x features x 4 bytes per worker. 1: the parts' own order.""", Rules.atLeast(1));

    /**
     * Layout of csv files: the values of the keys under {@code data.csv}.
     */
    public record Csv(boolean header, String delimiter, String label, String key) {
        static final Key<Boolean> HEADER = Key.bool("data.csv.header", false,
                "Whether every file starts with a header line.");
        static final Key<String> DELIMITER = Key.string("data.csv.delimiter", ",",
                "Field separator, one character (e.g. \";\" or \"\\t\").",
                Rules.matches("[^\"\\n]", "one character other than a quote or newline"));
        static final Key<String> LABEL = Key.scalar("data.csv.label", "0",
                "The label column: a 0-based index, or a column name from the header.");
        static final Key<String> KEY = Key.optionalScalar("data.csv.key", """
                A column that identifies each row (0-based index or header name), not a feature: normdrop predict \
                writes it to every prediction; null: rows are identified by file and line.""");

        public Csv {
            HEADER.check(header);
            DELIMITER.check(delimiter);
            Rules.notBlank().check(LABEL.path(), LABEL.check(label));
            if (!header && labelIndex(label) < 0) {
                throw ConfigException.invalid(LABEL.path(), label,
                        "a column index (0, 1, ...); a column name needs data.csv.header = true");
            }
            if (key != null) {
                Rules.notBlank().check(KEY.path(), KEY.check(key));
                if (!header && labelIndex(key) < 0) {
                    throw ConfigException.invalid(KEY.path(), key,
                            "a column index (0, 1, ...); a column name needs data.csv.header = true");
                }
                if (key.equals(label)) {
                    throw ConfigException.invalid(KEY.path(), key, "a column other than the label (data.csv.label)");
                }
            }
        }

        /** A layout with a header or not, this delimiter and label column, and no key column. */
        public Csv(boolean header, String delimiter, String label) {
            this(header, delimiter, label, null);
        }

        static Csv from(Config c) {
            return new Csv(HEADER.read(c), DELIMITER.read(c), LABEL.read(c), KEY.read(c));
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
     * Columns of parquet files: the values of the keys under {@code data.parquet}.
     */
    public record Parquet(String label, String features, List<String> key) {
        static final Key<String> LABEL = Key.string("data.parquet.label", "label",
                "The label column: an integer column, or a floating-point one holding whole numbers.",
                Rules.notBlank());
        static final Key<String> FEATURES = Key.optionalString("data.parquet.features", "features", """
                The features: an array<number> or Spark ML vector column; null: every column but the label, \
                each a numeric feature (in the file's column order).""", Rules.notBlank());
        static final Key<List<String>> KEY = Key.strings("data.parquet.key", """
                Columns that identify each row, any type, not features: normdrop predict writes them to every \
                prediction with their types; empty: rows are identified by file and row index.""");

        public Parquet {
            LABEL.check(label);
            FEATURES.check(features);
            key = List.copyOf(KEY.check(key));
            for (int i = 0; i < key.size(); i++) {
                Rules.notBlank().check(KEY.path() + "[" + i + "]", key.get(i));
                if (key.get(i).equals(label) || key.get(i).equals(features)) {
                    throw ConfigException.invalid(KEY.path() + "[" + i + "]", key.get(i),
                            "a column other than the label and the features");
                }
            }
        }

        /** Label and features columns, no key columns. */
        public Parquet(String label, String features) {
            this(label, features, List.of());
        }

        static Parquet from(Config c) {
            return new Parquet(LABEL.read(c), FEATURES.read(c), KEY.read(c));
        }
    }

    public DataConfig {
        FORMAT.check(format);
        if (train == null || test == null || csv == null || parquet == null) {
            throw new ConfigException("data", "train, test, csv and parquet are required");
        }
        requireFiles(format, train);
        requireFiles(format, test);
        if (validation == null) {
            throw new ConfigException("data.validation", "is required (ValidationSet.NONE for none)");
        }
        if (validation.files() != null) {
            requireFiles(format, validation.files());
        }
        BATCH_SIZE.check(batchSize);
        classNames = List.copyOf(CLASS_NAMES.check(classNames));
        for (int i = 0; i < classNames.size(); i++) {
            Rules.notBlank().check(CLASS_NAMES.path() + "[" + i + "]", classNames.get(i));
        }
        FEATURES.check(features);
        CLASSES.check(classes);
        ON_BAD_RECORD.check(onBadRecord);
        MAX_BAD_FRACTION.check(maxBadFraction);
        NORMALIZATION.check(normalization);
        if (normalization == Normalization.AUTO) {
            normalization = format == DataFormat.IDX || shape != null ? Normalization.NONE : Normalization.STANDARDIZE;
        }
        LABEL_ORDER.check(labelOrder);
        CACHE_LIMIT_MIB.check(cacheLimitMiB);
        SHUFFLE_BUFFER.check(shuffleBuffer);
        if (shape != null && features > 0 && shape.features() != features) {
            throw ConfigException.invalid(SHAPE.path(), shape, "it has " + shape.features()
                    + " features, but data.features = " + features);
        }
    }

    /** A data section with labels that are names indexed by frequency, no image shape and no validation set. */
    public DataConfig(DataFormat format, DataSource train, DataSource test, int batchSize, List<String> classNames,
                      int features, int classes, Csv csv, Parquet parquet, BadRecordPolicy onBadRecord,
                      double maxBadFraction, Normalization normalization) {
        this(format, train, test, batchSize, classNames, features, classes, csv, parquet, onBadRecord, maxBadFraction,
                normalization, LabelOrder.FREQUENCY, null, CACHE_LIMIT_MIB.defaultValue(), SHUFFLE_BUFFER.defaultValue(),
                ValidationSet.NONE);
    }

    /** The same data section with another validation set. */
    public DataConfig withValidation(ValidationSet other) {
        return new DataConfig(format, train, test, batchSize, classNames, features, classes, csv, parquet, onBadRecord,
                maxBadFraction, normalization, labelOrder, shape, cacheLimitMiB, shuffleBuffer, other);
    }

    /** The same data section with {@code data.cacheLimitMiB} set to {@code mib}. */
    public DataConfig withCacheLimitMiB(int mib) {
        return new DataConfig(format, train, test, batchSize, classNames, features, classes, csv, parquet, onBadRecord,
                maxBadFraction, normalization, labelOrder, shape, mib, shuffleBuffer, validation);
    }

    /** Whether a training set of {@code examples} x {@code features} is kept on the executors. */
    public boolean keeps(long examples, int features) {
        return (double) examples * features * Float.BYTES <= (double) cacheLimitMiB * (1 << 20);
    }

    static DataConfig from(Config c) {
        return new DataConfig(FORMAT.read(c), DataSource.from(c, "train"), DataSource.from(c, "test"),
                BATCH_SIZE.read(c), CLASS_NAMES.read(c), FEATURES.read(c), CLASSES.read(c), Csv.from(c),
                Parquet.from(c), ON_BAD_RECORD.read(c), MAX_BAD_FRACTION.read(c), NORMALIZATION.read(c), LABEL_ORDER.read(c),
                SHAPE.read(c).isEmpty() ? null : ImageShape.of(SHAPE.read(c)), CACHE_LIMIT_MIB.read(c),
                SHUFFLE_BUFFER.read(c), ValidationSet.from(c));
    }

    /** IDX needs an image and a label file; the other formats a path. */
    private static void requireFiles(DataFormat format, DataSource source) {
        DataSource.Keys keys = DataSource.keys(source.role());
        if (format == DataFormat.IDX) {
            if (source.images() == null || source.labels() == null) {
                throw new ConfigException((source.images() == null ? keys.images() : keys.labels()).path(),
                        "is required (path of an IDX file) for data.format = idx");
            }
        } else if (source.path() == null) {
            throw new ConfigException(keys.path().path(),
                    "is required (a file, directory or glob) for data.format = " + format.jobName());
        }
    }

    /** The name of class {@code label}: from {@code classNames}, else the label itself. */
    public String className(int label) {
        return label < classNames.size() ? classNames.get(label) : String.valueOf(label);
    }
}
