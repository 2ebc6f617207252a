package io.normdrop.ml;

import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;

/**
 * The input columns the classifier and its model read, checked before any data is: each message
 * names the stage, the column, the param that names it, and what the column should be.
 */
final class Columns {
    private Columns() {
    }

    /** The features column: a Spark ML vector. */
    static void requireFeatures(StructType schema, String column, String stage) {
        DataType type = field(schema, column, "features", "featuresCol", stage).dataType();
        if (!(type instanceof VectorUDT)) {
            throw wrongType(stage, "features", column, type, "a Spark ML vector (e.g. from VectorAssembler)");
        }
    }

    /** The label column: numbers (classes 0..k-1). */
    static void requireLabel(StructType schema, String column, String stage) {
        DataType type = field(schema, column, "label", "labelCol", stage).dataType();
        if (!(type instanceof NumericType)) {
            throw wrongType(stage, "label", column, type, "a number type holding classes 0..k-1");
        }
    }

    /** The validation indicator column: booleans. */
    static void requireValidationIndicator(StructType schema, String column, String stage) {
        DataType type = field(schema, column, "validation indicator", "validationIndicatorCol", stage).dataType();
        if (!(type instanceof BooleanType)) {
            throw wrongType(stage, "validation indicator", column, type, "boolean");
        }
    }

    private static StructField field(StructType schema, String column, String role, String param, String stage) {
        return Arrays.stream(schema.fields()).filter(f -> f.name().equals(column)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(stage + ": no " + role + " column '" + column + "' ("
                        + param + ") among the columns " + String.join(", ", schema.fieldNames())));
    }

    private static IllegalArgumentException wrongType(String stage, String role, String column, DataType type,
                                                      String expected) {
        return new IllegalArgumentException(stage + ": " + role + " column '" + column + "' is " + type.simpleString()
                + "; expected " + expected);
    }
}
