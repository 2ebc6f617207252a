package io.normdrop.data;

import io.normdrop.config.DataConfig;
import io.normdrop.config.DataSource;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

import java.util.List;

/**
 * A data set read for scoring, on the executors, with the same parsers, checks and messages as
 * training: every record keyed by its file and line (text) or row index (parquet, IDX) and by
 * the key columns the job names; the label optional (a csv without the label column, a parquet
 * file without it, IDX without a label file, libsvm lines that start with an index).
 */
public final class ScoringData {
    private ScoringData() {
    }

    /**
     * What reading gave.
     *
     * @param records    the records, lazily parsed on the executors
     * @param labeled    whether the records may carry labels (the output then has a label column)
     * @param keyColumns the key columns passed through, with their Spark types
     * @param describe   the files, for messages
     */
    public record Read(JavaRDD<KeyedRecord> records, boolean labeled, List<StructField> keyColumns, String describe) {
    }

    /**
     * Reads {@code source} in the layout of {@code config} for a model of {@code features}
     * features and {@code classes} classes.
     *
     * @param labels the model's label names by class when it was trained on labels that are names; else empty
     * @throws DataException when its first record does not have the model's number of features
     */
    public static Read read(JavaSparkContext sc, DataConfig config, DataSource source, int features, int classes,
                            List<String> labels) {
        RecordRules numbers = new RecordRules(features, classes, "the model");
        RecordRules rules = labels.isEmpty() ? numbers : numbers.withLabelNames(labels, "the model");
        try {
            Read read = readOrThrow(sc, config, source, rules);
            List<KeyedRecord> first = read.records().take(1);
            if (!first.isEmpty() && !first.get(0).record().isGood()) {
                Problem p = first.get(0).record().problem();
                if (p.fault().startsWith("wrong number of features") || p.fault().startsWith("no label column")) {
                    throw new DataException(p + " (the model was trained on " + features + " features)");
                }
            }
            return read;
        } catch (Exception e) { // Spark's job failures arrive as undeclared SparkExceptions
            throw DataChecks.unwrap(source.key(), source.describe(), e);
        }
    }

    private static Read readOrThrow(JavaSparkContext sc, DataConfig config, DataSource source, RecordRules rules) {
        String path = source.path();
        if (path != null) {
            FileDigests.files(sc.hadoopConfiguration(), path); // a missing path: exit 66, named as training names it
        }
        switch (config.format()) {
            case IDX -> {
                IdxReader idx = new IdxReader(sc.hadoopConfiguration());
                LabeledImages images = source.labels() == null ? idx.readUnlabeled(source) : idx.read(source, rules.classes());
                if (images.features() != rules.features()) {
                    throw new DataException(source.images() + ": images of " + images.rows() + "x" + images.cols() + " = "
                            + images.features() + " features, but the model was trained on " + rules.features());
                }
                return new Read(IdxRecords.readKeyed(sc, images, source.images(), source.labels(), rules),
                        source.labels() != null, List.of(), source.describe());
            }
            case LIBSVM -> {
                return new Read(TextRecords.readNumbered(sc, path, () -> LibsvmParsers.keyedLibsvm(rules), false), true,
                        List.of(), path);
            }
            case PARQUET -> {
                return ParquetRecords.readKeyed(sc, path, config.parquet(), rules);
            }
            case CSV -> {
                CsvLayout layout = new CsvLayout(sc, config.csv());
                List<String> header = config.csv().header() ? layout.header(source) : null;
                String key = config.csv().key();
                boolean hasKey = key != null;
                int fields;
                if (header != null) {
                    fields = header.size();
                } else {
                    String line = TextRecords.firstLine(sc, path);
                    if (line == null) {
                        throw new DataException(path + ": empty data set (no records)");
                    }
                    fields = TextParsers.csvHeader(config.csv().separator(), line).size();
                }
                // A label named in the header, or one field more than the features (and key), is there.
                boolean labeled = header != null && DataConfig.Csv.labelIndex(config.csv().label()) < 0
                        ? header.contains(config.csv().label())
                        : fields == rules.features() + 1 + (hasKey ? 1 : 0);
                TextParsers.CsvColumns columns = labeled ? layout.columns(source, header)
                        : new TextParsers.CsvColumns(TextParsers.CsvColumns.NONE,
                        hasKey ? layout.column(source, header, key, "data.csv.key") : TextParsers.CsvColumns.NONE, header);
                char separator = config.csv().separator();
                List<StructField> keys = hasKey ? List.of(DataTypes.createStructField(header != null
                        ? header.get(columns.key()) : "key", DataTypes.StringType, true)) : List.of();
                return new Read(TextRecords.readNumbered(sc, path, () -> TextParsers.keyedCsv(separator, columns, rules),
                        header != null), labeled, keys, path);
            }
            default -> throw new IllegalStateException(config.format().toString());
        }
    }
}
