package io.normdrop.data;

import io.normdrop.config.DataConfig;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Function1;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.apache.spark.sql.functions.col;

/**
 * Parquet data sets, read with Spark's parquet source on the executors: a label column (any
 * numeric type holding whole numbers) and the features as an {@code array<number>} column, a
 * Spark ML vector column, or one numeric column per feature. Each record is located by its
 * file and row index ({@code _metadata.row_index}).
 */
public final class ParquetRecords {
    private static final String VECTOR_UDT = "org.apache.spark.ml.linalg.VectorUDT";

    private ParquetRecords() {
    }

    /** How the features are laid out in the files, from their schema. */
    private enum Layout { ARRAY, VECTOR, COLUMNS }

    /**
     * The records at {@code path}, parsed on the executors.
     *
     * @throws DataException when the schema has no such label or features column, or they are
     *                       not numeric
     */
    public static JavaRDD<ParsedRecord> read(JavaSparkContext sc, String path, DataConfig.Parquet columns,
                                            RecordRules rules) {
        Selected read = Selection.of(sc, path, columns, true, List.of());
        Selection s = read.selection();
        return read.rows(true).map(row -> s.record(row, rules));
    }

    /**
     * The records at {@code path} for scoring, each with its file, row index and the values of
     * the key columns ({@code data.parquet.key}, with their types); without a label column in the
     * files, unlabeled.
     */
    static ScoringData.Read readKeyed(JavaSparkContext sc, String path, DataConfig.Parquet columns, RecordRules rules) {
        Selected read = Selection.of(sc, path, columns, false, columns.key());
        Selection s = read.selection();
        return new ScoringData.Read(read.rows(false).mapPartitions(it -> {
            Function1<Object, Object>[] converters = s.keyConverters();
            return new Iterator<KeyedRecord>() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public KeyedRecord next() {
                    InternalRow row = it.next();
                    Object[] keys = new Object[converters.length];
                    for (int k = 0; k < keys.length; k++) {
                        keys[k] = row.isNullAt(s.keyOffset() + k) ? null
                                : converters[k].apply(row.get(s.keyOffset() + k, s.keyTypes()[k]));
                    }
                    int metadata = s.keyOffset() + keys.length;
                    return new KeyedRecord(row.getUTF8String(metadata).toString(), row.getLong(metadata + 1), keys,
                            s.record(row, rules));
                }
            };
        }), s.labeled(), read.keyFields(), path);
    }

    /**
     * The distinct labels of the parquet files at {@code path} with their counts, when the label
     * column holds strings (class names); empty when it holds numbers. Nulls are left out.
     */
    public static Map<String, Long> labelNames(JavaSparkContext sc, String path, DataConfig.Parquet columns) {
        Dataset<Row> df = SparkSession.builder().sparkContext(sc.sc()).getOrCreate().read().parquet(path);
        if (!Arrays.asList(df.schema().fieldNames()).contains(columns.label())
                || !(df.schema().apply(columns.label()).dataType() instanceof StringType)) {
            return Map.of();
        }
        Map<String, Long> counts = new java.util.HashMap<>();
        for (Row r : df.groupBy(col(quote(columns.label()))).count().collectAsList()) {
            if (!r.isNullAt(0)) {
                counts.put(r.getString(0).trim(), r.getLong(1));
            }
        }
        return counts;
    }

    /**
     * Splits the files into at least this many parts (for small files: parts of 256 KiB) when they are large enough
     * ({@code spark.sql.files.minPartitionNum}, unless the job sets it): a streamed training set is
     * dealt to the workers in a new order of its parts every epoch, so the parts are the grain
     * of that shuffle (about a row group each once a split is smaller than a row group).
     */
    static final int MIN_PARTS = 1024;
    /** The smallest split worth a task ({@code spark.sql.files.openCostInBytes}, unless the job sets it; Spark's is 4 MiB). */
    static final long OPEN_COST = 256 << 10;

    /** The selected columns (driver side) and how to read their rows (shipped to the executors). */
    private record Selected(Dataset<Row> selected, Selection selection, List<StructField> keyFields) {
        /** @param fine split into {@link #MIN_PARTS} parts at least (data sets to train on; scoring keeps Spark's splits) */
        JavaRDD<InternalRow> rows(boolean fine) {
            org.apache.spark.sql.RuntimeConfig conf = selected.sparkSession().conf();
            String parts = "spark.sql.files.minPartitionNum";
            String open = "spark.sql.files.openCostInBytes";
            boolean setParts = fine && !conf.contains(parts);
            boolean setOpen = fine && !conf.contains(open);
            // The splits are planned now, from the session's settings; set for this read only.
            if (setParts) {
                conf.set(parts, MIN_PARTS);
            }
            if (setOpen) {
                conf.set(open, OPEN_COST);
            }
            try {
                return selected.queryExecution().toRdd().toJavaRDD();
            } finally {
                if (setParts) {
                    conf.unset(parts);
                }
                if (setOpen) {
                    conf.unset(open);
                }
            }
        }
    }

    /**
     * The columns read and how: the label (absent when {@code labeled} is false), the features in
     * their layout, the key columns, then the file path and row index.
     */
    private record Selection(Layout layout, int width, List<String> names, boolean labeled, boolean namedLabels,
                             DataType[] keyTypes) implements java.io.Serializable {
        static Selected of(JavaSparkContext sc, String path, DataConfig.Parquet columns, boolean labelRequired,
                            List<String> keys) {
            SparkSession spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
            Dataset<Row> df;
            try {
                df = spark.read().parquet(path);
            } catch (Exception e) { // AnalysisException arrives undeclared from Scala
                if (e instanceof AnalysisException && e.getMessage() != null && e.getMessage().contains("PATH_NOT_FOUND")) {
                    throw new MissingInputException(path + ": no such file or directory", e);
                }
                throw new DataException(path + ": not readable as parquet: " + TextRecords.rootMessage(e).replaceAll("\\s+", " "), e);
            }
            StructType schema = df.schema();
            boolean labeled = labelRequired || Arrays.asList(schema.fieldNames()).contains(columns.label());
            List<Column> select = new ArrayList<>();
            if (labeled) {
                StructField label = field(path, schema, columns.label(), "data.parquet.label");
                if (!(label.dataType() instanceof NumericType) && !(label.dataType() instanceof StringType)) {
                    throw new DataException(path + ": label column '" + label.name() + "' is " + label.dataType().simpleString()
                            + "; expected a number type, or strings (class names)");
                }
                select.add(col(quote(label.name())).cast(label.dataType() instanceof StringType ? "string" : "double"));
            }
            boolean namedLabels = labeled && schema.apply(columns.label()).dataType() instanceof StringType;
            List<StructField> keyFields = keys.stream().map(k -> field(path, schema, k, "data.parquet.key")).toList();
            Layout layout;
            List<String> featureColumns;
            if (columns.features() != null) {
                StructField features = field(path, schema, columns.features(), "data.parquet.features");
                DataType type = features.dataType();
                if (type instanceof ArrayType array && array.elementType() instanceof NumericType) {
                    layout = Layout.ARRAY;
                    select.add(col(quote(features.name())).cast("array<float>"));
                } else if (type.getClass().getName().equals(VECTOR_UDT)) {
                    layout = Layout.VECTOR;
                    select.add(col(quote(features.name())));
                } else {
                    throw new DataException(path + ": features column '" + features.name() + "' is " + type.simpleString()
                            + "; expected an array of numbers or a Spark ML vector");
                }
                featureColumns = List.of(features.name());
            } else {
                layout = Layout.COLUMNS;
                List<String> notFeatures = new ArrayList<>(columns.key());
                notFeatures.add(columns.label());
                List<StructField> fields = Arrays.stream(schema.fields()).filter(f -> !notFeatures.contains(f.name())).toList();
                featureColumns = fields.stream().map(StructField::name).toList();
                List<String> nonNumeric = fields.stream().filter(f -> !(f.dataType() instanceof NumericType))
                        .map(f -> f.name() + " " + f.dataType().simpleString()).toList();
                if (!nonNumeric.isEmpty()) {
                    throw new DataException(path + ": with data.parquet.features = null every column but the label and"
                            + " the keys is a feature, but these are not numbers: " + String.join(", ", nonNumeric));
                }
                if (featureColumns.isEmpty()) {
                    throw new DataException(path + ": no feature columns besides the label '" + columns.label() + "'");
                }
                featureColumns.forEach(n -> select.add(col(quote(n)).cast("float")));
            }
            keyFields.forEach(k -> select.add(col(quote(k.name()))));
            select.add(col("_metadata.file_path"));
            select.add(col("_metadata.row_index"));
            return new Selected(df.select(select.toArray(Column[]::new)), new Selection(layout,
                    layout == Layout.COLUMNS ? featureColumns.size() : 1, featureColumns, labeled, namedLabels,
                    keyFields.stream().map(StructField::dataType).toArray(DataType[]::new)), keyFields);
        }

        /** Where the features start in a row. */
        int featureOffset() {
            return labeled ? 1 : 0;
        }

        /** Where the key columns start in a row. */
        int keyOffset() {
            return featureOffset() + width;
        }

        @SuppressWarnings("unchecked")
        Function1<Object, Object>[] keyConverters() {
            return Arrays.stream(keyTypes).map(CatalystTypeConverters::createToScalaConverter).toArray(Function1[]::new);
        }

        ParsedRecord record(InternalRow row, RecordRules rules) {
            int metadata = keyOffset() + keyTypes.length;
            int f = featureOffset();
            String fault = !labeled ? null : row.isNullAt(0) ? "label is null"
                    : namedLabels ? rules.nameFault(row.getUTF8String(0).toString().trim()) : rules.labelFault(row.getDouble(0));
            if (fault == null && layout != Layout.COLUMNS && row.isNullAt(f)) {
                fault = "features are null";
            }
            if (fault == null) {
                int label = !labeled ? Example.NO_LABEL
                        : namedLabels ? rules.classOf(row.getUTF8String(0).toString().trim()) : (int) row.getDouble(0);
                try {
                    return ParsedRecord.good(switch (layout) {
                        case ARRAY -> Example.dense(array(row.getArray(f), rules), label);
                        case VECTOR -> vector(row.getStruct(f, 4), label, rules);
                        case COLUMNS -> Example.dense(columns(row, f, width, names, rules), label);
                    });
                } catch (Fault e) {
                    fault = e.getMessage();
                }
            }
            return ParsedRecord.bad(new Problem(row.getUTF8String(metadata).toString(), Problem.Unit.RECORD,
                    row.getLong(metadata + 1), fault));
        }
    }

    /** What is wrong with a record's features; cheap (no stack trace), thrown only for bad records. */
    private static final class Fault extends RuntimeException {
        Fault(String fault) {
            super(fault, null, false, false);
        }

        static void check(String fault) {
            if (fault != null) {
                throw new Fault(fault);
            }
        }
    }

    private static float[] array(ArrayData a, RecordRules rules) {
        Fault.check(rules.widthFault(a.numElements(), false));
        float[] f = a.toFloatArray();
        for (int j = 0; j < f.length; j++) {
            // Messages are built for bad values only: a string per value cost more than decoding the file.
            if (a.isNullAt(j)) {
                Fault.check("feature " + j + " is null");
            }
            if (!Float.isFinite(f[j])) {
                if (!Float.isFinite(f[j])) {
                Fault.check(RecordRules.valueFault("feature " + j, f[j]));
            }
            }
        }
        return f;
    }

    /** An ML vector: a struct of type (1 dense, 0 sparse), size, indices and values. */
    private static Example vector(InternalRow v, int label, RecordRules rules) {
        double[] values = v.getArray(3).toDoubleArray();
        boolean dense = v.getByte(0) == 1;
        int size = dense ? values.length : v.getInt(1);
        Fault.check(rules.widthFault(size, false));
        float[] f = new float[values.length];
        for (int j = 0; j < values.length; j++) {
            f[j] = (float) values[j];
            if (!Float.isFinite(f[j])) {
                Fault.check(RecordRules.valueFault("feature " + j, f[j]));
            }
        }
        return dense ? Example.dense(f, label) : sparseOfSize(v.getArray(2).toIntArray(), f, size, label);
    }

    private static float[] columns(InternalRow row, int offset, int width, List<String> names, RecordRules rules) {
        Fault.check(rules.widthFault(width, false));
        float[] f = new float[width];
        for (int j = 0; j < width; j++) {
            if (row.isNullAt(offset + j)) {
                Fault.check("column " + names.get(j) + " is null");
            }
            f[j] = row.getFloat(offset + j);
            if (!Float.isFinite(f[j])) {
                Fault.check(RecordRules.valueFault("column " + names.get(j), f[j]));
            }
        }
        return f;
    }

    /** A sparse vector's entries as an example of {@code size} features (dense when it fills them). */
    private static Example sparseOfSize(int[] indices, float[] values, int size, int label) {
        if (indices.length == size) {
            return Example.dense(values, label);
        }
        float[] dense = new float[size];
        for (int k = 0; k < indices.length; k++) {
            dense[indices[k]] = values[k];
        }
        return Example.dense(dense, label);
    }

    private static StructField field(String path, StructType schema, String name, String key) {
        return Arrays.stream(schema.fields()).filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new DataException(path + ": no column '" + name + "' (" + key + "); the columns are "
                        + Arrays.stream(schema.fields()).map(f -> f.name() + " " + f.dataType().simpleString())
                        .collect(Collectors.joining(", "))));
    }

    private static String quote(String column) {
        return "`" + column.replace("`", "``") + "`";
    }
}
