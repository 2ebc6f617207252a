package io.normdrop.data;

import io.normdrop.config.DataConfig;
import io.normdrop.config.DataFormat;
import io.normdrop.config.DataSource;
import io.normdrop.config.ImageShape;
import io.normdrop.config.LabelOrder;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Reads the job's data sets on Spark and checks them: infers the features and classes from the
 * training set (or takes them from the job), finds every bad record in one pass on the
 * executors, applies {@code data.onBadRecord} ({@link DataChecks}, with bad text records' lines
 * resolved by {@link ProblemLines}), and indexes the good examples for balanced, reshuffled
 * minibatches. The test set must have the training set's features and classes.
 */
public final class DataLoader {
    private final JavaSparkContext sc;
    private final DataConfig config;
    private final CsvLayout csv;

    public DataLoader(JavaSparkContext sc, DataConfig config) {
        this.sc = sc;
        this.config = config;
        this.csv = new CsvLayout(sc, config.csv());
    }

    /**
     * Reads the training set.
     *
     * @param knownClasses classes the job gives (data.classes or the output layer's units), 0 to infer
     */
    public LoadedData train(int knownClasses) {
        RecordRules rules = new RecordRules(config.features(), knownClasses,
                config.features() > 0 ? "data.features" : "the training data",
                knownClasses > 0 ? "the job" : "the training data");
        List<String> names;
        try {
            names = labelNames(config.train());
        } catch (Exception e) { // Spark's job failures arrive as undeclared SparkExceptions
            throw DataChecks.unwrap(config.train().key(), config.train().describe(), e);
        }
        if (!names.isEmpty()) {
            if (knownClasses > 0 && names.size() != knownClasses) {
                throw new DataException(config.train().describe() + ": " + names.size() + " label names (" + String.join(", ",
                        names.size() > 10 ? names.subList(0, 10) : names) + (names.size() > 10 ? ", ..." : "")
                        + "), but the job has " + knownClasses + " classes");
            }
            rules = rules.withLabelNames(names, config.classNames().isEmpty() ? "the training data" : "data.classNames");
        }
        return load(config.train(), rules, config.features() == 0);
    }

    /** Reads the test set, which must have the training set's features and classes (and label names). */
    public LoadedData test(LoadedData train) {
        return like(config.test(), train);
    }

    /** Reads the validation set's own files, which must have the training set's features and classes (and label names). */
    public LoadedData validation(LoadedData train) {
        return like(config.validation().files(), train);
    }

    private LoadedData like(DataSource source, LoadedData train) {
        RecordRules rules = new RecordRules(train.features(), train.classes(), "the training data");
        return load(source, train.labels().isEmpty() ? rules : rules.withLabelNames(train.labels(), "the training data"),
                false);
    }

    /**
     * The classes of a set whose labels are names, in order: {@code data.classNames} when the job
     * lists them, else indexed on Spark by {@code data.labelOrder}; empty when the labels are
     * numbers (csv: the first record's label is one; parquet: a numeric label column).
     */
    private List<String> labelNames(DataSource source) {
        if (config.format() != DataFormat.IDX && config.format() != DataFormat.LIBSVM) {
            FileDigests.files(sc.hadoopConfiguration(), source.path()); // a missing path, named as reading names it
        }
        Map<String, Long> counts;
        if (config.format() == DataFormat.PARQUET) {
            counts = ParquetRecords.labelNames(sc, source.path(), config.parquet());
        } else if (config.format() == DataFormat.CSV) {
            List<String> header = config.csv().header() ? csv.header(source) : null;
            int label = csv.column(source, header, config.csv().label(), "data.csv.label");
            char separator = config.csv().separator();
            JavaRDD<String> labels = TextRecords.read(sc, source.path(), () -> {
                com.univocity.parsers.csv.CsvParser parser = TextParsers.csvParser(separator);
                return (line, file, unit, position) -> TextParsers.csvLabel(parser, line, label);
            }, header != null).filter(java.util.Objects::nonNull);
            List<String> first = labels.take(1);
            if (first.isEmpty() || TextParsers.looksNumeric(first.get(0))) {
                return List.of();
            }
            counts = labels.countByValue();
        } else {
            return List.of();
        }
        if (counts.isEmpty()) {
            return List.of();
        }
        if (!config.classNames().isEmpty()) {
            return config.classNames();
        }
        if (counts.size() > RecordRules.MAX_INFERRED_CLASSES) {
            throw new DataException(source.describe() + ": " + counts.size() + " distinct label names, more than "
                    + RecordRules.MAX_INFERRED_CLASSES + " classes (is the label column an id?)");
        }
        Comparator<Map.Entry<String, Long>> byName = Map.Entry.comparingByKey();
        Comparator<Map.Entry<String, Long>> order = config.labelOrder() == LabelOrder.ALPHABETICAL ? byName
                : Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(byName);
        return counts.entrySet().stream().sorted(order).map(Map.Entry::getKey).toList();
    }

    private LoadedData load(DataSource source, RecordRules given, boolean inferFeatures) {
        try {
            return loadOrThrow(source, given, inferFeatures);
        } catch (Exception e) { // Spark's job failures arrive as undeclared SparkExceptions
            throw DataChecks.unwrap(source.key(), source.describe(), e);
        }
    }

    private LoadedData loadOrThrow(DataSource source, RecordRules given, boolean inferFeatures) {
        List<FileDigest> digests;
        Supplier<JavaRDD<ParsedRecord>> reader;
        RecordRules rules = given;
        ImageShape shape = null;
        if (config.format() == DataFormat.IDX) {
            IdxReader idx = new IdxReader(sc.hadoopConfiguration());
            LabeledImages images = idx.read(source, 256);
            if (given.features() > 0 && images.features() != given.features()) {
                throw new DataException(source.images() + ": images of " + images.rows() + "x" + images.cols() + " = "
                        + images.features() + " features, but " + given.featuresFrom() + " has " + given.features());
            }
            rules = given.features() > 0 ? given : given.withFeatures(images.features());
            shape = new ImageShape(1, images.rows(), images.cols());
            digests = images.digests();
            RecordRules r = rules;
            reader = () -> IdxRecords.read(sc, images, source.labels(), r);
        } else {
            digests = FileDigests.of(sc, source.path());
            List<String> header = config.format() == DataFormat.CSV && config.csv().header() ? csv.header(source) : null;
            if (inferFeatures && config.format() != DataFormat.LIBSVM) {
                rules = given.withFeatures(header != null ? header.size() - csv.columns(source, header).notFeatures()
                        : firstWidth(source, rules, header));
            }
            RecordRules r = rules;
            reader = () -> records(source, r, header);
        }
        // IdxReader already stopped at the limit.
        JavaRDD<ParsedRecord> records = config.format() == DataFormat.IDX ? reader.get() : limited(reader.get(), source.limit());
        LoadedData data = checked(source.key(), source.describe(), records, rules, digests);
        return shape == null ? data : data.withImages(shape);
    }

    /**
     * Checks and indexes records read elsewhere (a DataFrame given to the Spark ML estimator) as
     * the job's data sets are: the bad-record policy, features and classes, indexing, persisting.
     *
     * @param key      what to call the set in messages, e.g. {@code data.train}
     * @param describe where the records come from, for messages
     */
    public LoadedData checked(String key, String describe, JavaRDD<ParsedRecord> records, RecordRules rules,
                              List<FileDigest> digests) {
        try {
            return checkedOrThrow(key, describe, records, rules, digests);
        } catch (Exception e) { // Spark's job failures arrive as undeclared SparkExceptions
            throw DataChecks.unwrap(key, describe, e);
        }
    }

    private LoadedData checkedOrThrow(String key, String describe, JavaRDD<ParsedRecord> records, RecordRules rules,
                                      List<FileDigest> digests) {
        List<Tuple2<Integer, RecordSummary>> perPartition = records.mapPartitionsWithIndex((p, it) -> {
            RecordSummary t = new RecordSummary();
            it.forEachRemaining(t::add);
            return List.of(new Tuple2<>(p, t)).iterator();
        }, false).collect();
        RecordSummary total = new RecordSummary();
        long[] offsets = new long[records.getNumPartitions()];
        for (Tuple2<Integer, RecordSummary> t : perPartition) {
            offsets[t._1()] = t._2().good();
        }
        long running = 0;
        for (int p = 0; p < offsets.length; p++) {
            long good = offsets[p];
            offsets[p] = running;
            running += good;
        }
        perPartition.forEach(t -> total.merge(t._2()));
        List<Problem> problems = ProblemLines.resolve(sc.hadoopConfiguration(), total.problems());
        DataChecks.check(config, key, describe, total, problems);
        int features = rules.features() > 0 ? rules.features() : total.maxWidth();
        int classes = rules.classes() > 0 ? rules.classes() : total.labelCounts().length;
        if (classes < 2) {
            throw new DataException(describe + ": every example has label " + (classes - 1)
                    + "; a classifier needs at least 2 classes (or set data.classes)");
        }
        if (features < 1) {
            throw new DataException(describe + ": the examples have no features");
        }
        long[] counts = new long[offsets.length];
        for (int p = 0; p < counts.length; p++) {
            counts[p] = (p + 1 < offsets.length ? offsets[p + 1] : total.good()) - offsets[p];
        }
        // Nothing is kept: the caller keeps the set (LoadedData.keep) or streams it.
        JavaPairRDD<Long, Example> examples = records.mapPartitionsWithIndex(
                (p, it) -> new IndexedExamples<>(it, ParsedRecord::example, offsets[p]), true)
                .mapToPair(t -> t);
        return new LoadedData(key, examples, total.good(), features, classes, total, problems, digests, rules.labelNames(),
                null, counts, false);
    }

    private JavaRDD<ParsedRecord> records(DataSource source, RecordRules rules, List<String> header) {
        return switch (config.format()) {
            case CSV -> {
                TextParsers.CsvColumns columns = csv.columns(source, header);
                char separator = config.csv().separator();
                yield TextRecords.read(sc, source.path(), () -> TextParsers.csv(separator, columns, rules), header != null);
            }
            case LIBSVM -> TextRecords.read(sc, source.path(), () -> LibsvmParsers.libsvm(rules), false);
            case PARQUET -> ParquetRecords.read(sc, source.path(), config.parquet(), rules);
            case IDX -> throw new IllegalStateException("IDX is read on the driver");
        };
    }

    /** The feature count of the first good record; 0 when there is none (the record summary reports why). */
    private int firstWidth(DataSource source, RecordRules rules, List<String> header) {
        List<ParsedRecord> first = records(source, rules, header).filter(ParsedRecord::isGood).take(1);
        return first.isEmpty() ? 0 : first.get(0).example().width();
    }

    /** The first {@code limit} records (all when 0): counts per partition first, then caps each. */
    private static JavaRDD<ParsedRecord> limited(JavaRDD<ParsedRecord> records, int limit) {
        if (limit == 0) {
            return records;
        }
        List<Long> counts = records.mapPartitions(it -> {
            long n = 0;
            for (; it.hasNext(); it.next()) {
                n++;
            }
            return List.of(n).iterator();
        }).collect();
        long[] caps = new long[counts.size()];
        long left = limit;
        for (int p = 0; p < caps.length; p++) {
            caps[p] = Math.min(left, counts.get(p));
            left -= caps[p];
        }
        return records.mapPartitionsWithIndex((p, it) -> new Iterator<ParsedRecord>() {
            private long taken;

            @Override
            public boolean hasNext() {
                return taken < caps[p] && it.hasNext();
            }

            @Override
            public ParsedRecord next() {
                taken++;
                return it.next();
            }
        }, true);
    }
}
