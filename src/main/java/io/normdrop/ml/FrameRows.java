package io.normdrop.ml;

import io.normdrop.config.JobConfig;
import io.normdrop.data.Example;
import io.normdrop.data.ParsedRecord;
import io.normdrop.data.Problem;
import io.normdrop.data.RecordRules;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.attribute.BinaryAttribute;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * The DataFrame rows an estimator trains on, as the records Normdrop's data checks take: the
 * label (a double, as {@code Predictor.fit} casts it), the features vector and, when set, the
 * validation indicator, selected in that order. A bad row names its column and its index in the
 * DataFrame (0-based, in the DataFrame's order).
 *
 * @param label      the label column
 * @param features   the features column (a Spark ML vector)
 * @param validation the boolean column marking validation rows; null when none
 */
record FrameRows(String label, String features, String validation) implements Serializable {
    /** The label, the features and the validation indicator, in that order. */
    Dataset<Row> select(Dataset<?> dataset) {
        Column labelAsDouble = col(quote(label)).cast("double");
        Column[] columns = validation == null ? new Column[]{labelAsDouble, col(quote(features))}
                : new Column[]{labelAsDouble, col(quote(features)), col(quote(validation))};
        return dataset.select(columns);
    }

    /** Whether a selected row is for validation: its indicator is true (false and null train). */
    boolean isValidation(Row row) {
        return validation != null && !row.isNullAt(2) && row.getBoolean(2);
    }

    /** What the rows are, for messages. */
    String describe(boolean validationRows) {
        String columns = "label column '" + label + "', features column '" + features + "'";
        if (validation == null) {
            return "the DataFrame (" + columns + ")";
        }
        return "the DataFrame's rows with '" + validation + "' " + validationRows + " (" + columns + ")";
    }

    /** A selected row, the {@code index}-th of the DataFrame, as a record checked against {@code rules}. */
    ParsedRecord record(Row row, long index, RecordRules rules) {
        if (row.isNullAt(0)) {
            return bad(label, index, "label is null");
        }
        String fault = rules.labelFault(row.getDouble(0));
        if (fault != null) {
            return bad(label, index, fault);
        }
        if (row.isNullAt(1)) {
            return bad(features, index, "features are null");
        }
        Vector v = (Vector) row.get(1);
        fault = rules.widthFault(v.size(), false);
        if (fault != null) {
            return bad(features, index, fault);
        }
        int[] indices = v instanceof SparseVector s ? s.indices() : null;
        double[] values = v instanceof SparseVector s ? s.values() : ((DenseVector) v).values();
        float[] floats = new float[values.length];
        for (int k = 0; k < values.length; k++) {
            floats[k] = (float) values[k];
            // Checked as the network gets it: a double beyond float range is infinite there.
            fault = RecordRules.valueFault("feature " + (indices == null ? k : indices[k]), floats[k]);
            if (fault != null) {
                return bad(features, index, fault);
            }
        }
        int classLabel = (int) row.getDouble(0);
        return ParsedRecord.good(indices == null ? Example.dense(floats, classLabel)
                : Example.sparse(indices, floats, classLabel));
    }

    /**
     * What a good training row looks like: the features from the column's ML attribute size (set
     * by VectorAssembler and the scalers) or else its first row; the classes from the job, else
     * the label column's ML attribute, else inferred from the labels.
     */
    RecordRules rules(JobConfig job, Dataset<?> dataset) {
        StructType schema = dataset.schema();
        int features = AttributeGroup.fromStructField(schema.apply(features())).size();
        String featuresFrom = "column '" + features() + "' (its ML attribute size)";
        if (features < 0) {
            Column column = col(quote(features()));
            List<Row> first = dataset.select(column).where(column.isNotNull()).takeAsList(1);
            features = first.isEmpty() ? 0 : ((Vector) first.get(0).get(0)).size();
            featuresFrom = "the first row of column '" + features() + "'";
        }
        int classes = job.knownClasses();
        String classesFrom = "the job";
        if (classes == 0) {
            Attribute label = Attribute.fromStructField(schema.apply(label()));
            if (label instanceof BinaryAttribute) {
                classes = 2;
            } else if (label instanceof NominalAttribute n && n.numValues().isDefined()) {
                classes = (Integer) n.numValues().get();
            }
            classesFrom = classes > 0 ? "the ML attribute of column '" + label() + "'" : "the training rows";
        }
        return new RecordRules(features, classes, featuresFrom, classesFrom);
    }

    /** A features vector to score, without a label. */
    static Example example(Vector v) {
        if (v instanceof SparseVector s) {
            return Example.sparse(s.indices(), floats(s.values()), Example.NO_LABEL);
        }
        return Example.dense(floats(((DenseVector) v).values()), Example.NO_LABEL);
    }

    private static float[] floats(double[] values) {
        float[] f = new float[values.length];
        for (int k = 0; k < values.length; k++) {
            f[k] = (float) values[k];
        }
        return f;
    }

    private static ParsedRecord bad(String column, long index, String fault) {
        return ParsedRecord.bad(new Problem("column '" + column + "'", Problem.Unit.RECORD, index, fault));
    }

    /** A column name as a Spark SQL identifier (names with dots or spaces included). */
    static String quote(String column) {
        return "`" + column.replace("`", "``") + "`";
    }
}
