package io.normdrop.data;

import io.normdrop.config.DataConfig;
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
import java.util.List;
import java.util.stream.Collectors;

import static org.apache.spark.sql.functions.col;

/**
 * The columns of parquet files that {@link ParquetRecords} reads, chosen on the driver from the
 * files' schema, and how a row of them becomes a record on the executors: the label (absent when
 * {@code labeled} is false), the features in their layout, the key columns, then the file path
 * and row index. A bad value is a bad record naming its column.
 */
record ParquetSelection(ParquetSelection.Layout layout, int width, List<String> names, boolean labeled,
                        boolean namedLabels, DataType[] keyTypes) implements java.io.Serializable {
    private static final String VECTOR_UDT = "org.apache.spark.ml.linalg.VectorUDT";

    /** How the features are laid out in the files, from their schema. */
    enum Layout { ARRAY, VECTOR, COLUMNS }

    /**
     * Selects the columns of the parquet files at {@code path} ({@code data.parquet}).
     *
     * @param labelRequired a data set to train on must have the label column; one to score may not
     * @throws DataException when the schema has no such label or features column, or they are not numeric
     */
    static ParquetRecords.Selected of(JavaSparkContext sc, String path, DataConfig.Parquet columns,
                                      boolean labelRequired, List<String> keys) {
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
        return new ParquetRecords.Selected(df.select(select.toArray(Column[]::new)), new ParquetSelection(layout,
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

    /** The record in a row of these columns: bad, naming what is wrong, when a value is missing or out of range. */
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
                Fault.check(RecordRules.valueFault("feature " + j, f[j]));
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

    /** A column name as Spark SQL reads it whatever it holds (back-quoted). */
    static String quote(String column) {
        return "`" + column.replace("`", "``") + "`";
    }
}
