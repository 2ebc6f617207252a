package io.normdrop.data;

import io.normdrop.config.DataConfig;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import scala.Function1;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;

/**
 * Parquet data sets, read with Spark's parquet source on the executors: a label column (any
 * numeric type holding whole numbers) and the features as an {@code array<number>} column, a
 * Spark ML vector column, or one numeric column per feature ({@link ParquetSelection} chooses
 * the columns and decodes their rows). Each record is located by its file and row index
 * ({@code _metadata.row_index}).
 */
public final class ParquetRecords {
    private ParquetRecords() {
    }

    /**
     * The records at {@code path}, parsed on the executors.
     *
     * @throws DataException when the schema has no such label or features column, or they are
     *                       not numeric
     */
    public static JavaRDD<ParsedRecord> read(JavaSparkContext sc, String path, DataConfig.Parquet columns,
                                            RecordRules rules) {
        Selected read = ParquetSelection.of(sc, path, columns, true, List.of());
        ParquetSelection s = read.selection();
        return read.rows(true).map(row -> s.record(row, rules));
    }

    /**
     * The records at {@code path} for scoring, each with its file, row index and the values of
     * the key columns ({@code data.parquet.key}, with their types); without a label column in the
     * files, unlabeled.
     */
    static ScoringData.Read readKeyed(JavaSparkContext sc, String path, DataConfig.Parquet columns, RecordRules rules) {
        Selected read = ParquetSelection.of(sc, path, columns, false, columns.key());
        ParquetSelection s = read.selection();
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
        for (Row r : df.groupBy(col(ParquetSelection.quote(columns.label()))).count().collectAsList()) {
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
    record Selected(Dataset<Row> selected, ParquetSelection selection, List<StructField> keyFields) {
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
}
