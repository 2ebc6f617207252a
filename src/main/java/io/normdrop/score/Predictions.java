package io.normdrop.score;

import io.normdrop.data.Example;
import io.normdrop.data.KeyedRecord;
import io.normdrop.data.ParsedRecord;
import io.normdrop.data.Problem;
import io.normdrop.data.RecordSummary;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Scoring on the executors: records to prediction rows, minibatch by minibatch through a
 * broadcast {@link ScoringNetwork}, and what the rows add up to ({@link Summary}).
 *
 * <p>A scored row is {@code problem} (null for a good record) followed by the output columns
 * ({@link #schema}): {@code file}, {@code row}, the key columns, {@code label} when the data has
 * labels, {@code prediction}, {@code predictedClass} when the classes have names, and
 * {@code probability} (one per class).
 *
 * @param keyColumns the key columns passed through
 * @param labeled    whether the data may carry labels
 * @param classNames class names by label; empty for none
 * @param batchSize  rows per {@code output()} call
 */
public record Predictions(List<StructField> keyColumns, boolean labeled, List<String> classNames, int batchSize)
        implements Serializable {
    public static final String FILE = "file";
    public static final String ROW = "row";
    public static final String LABEL = "label";
    public static final String PREDICTION = "prediction";
    public static final String PREDICTED_CLASS = "predictedClass";
    public static final String PROBABILITY = "probability";

    public Predictions {
        keyColumns = List.copyOf(keyColumns);
        classNames = List.copyOf(classNames);
    }

    /** The columns of the prediction files. */
    public StructType schema() {
        List<StructField> fields = new ArrayList<>();
        fields.add(DataTypes.createStructField(FILE, DataTypes.StringType, false));
        fields.add(DataTypes.createStructField(ROW, DataTypes.LongType, false));
        fields.addAll(keyColumns);
        if (labeled) {
            fields.add(DataTypes.createStructField(LABEL, DataTypes.IntegerType, true));
        }
        fields.add(DataTypes.createStructField(PREDICTION, DataTypes.IntegerType, false));
        if (!classNames.isEmpty()) {
            fields.add(DataTypes.createStructField(PREDICTED_CLASS, DataTypes.StringType, false));
        }
        fields.add(DataTypes.createStructField(PROBABILITY, DataTypes.createArrayType(DataTypes.DoubleType, false), false));
        return DataTypes.createStructType(fields);
    }

    /**
     * Scores the records: one row per record, in order, a bad record's with its problem and no
     * prediction; {@link #batchSize} records per {@code output()} call.
     */
    public JavaRDD<Row> score(JavaRDD<KeyedRecord> records, Broadcast<ScoringNetwork> network) {
        Predictions p = this;
        return records.mapPartitions(it -> {
            ScoringNetwork.Scorer scorer = network.value().scorer();
            int classes = network.value().classes();
            return ScoringNetwork.inBatches(it, batchSize, batch -> p.rows(batch, scorer, classes));
        });
    }

    /** The good rows as prediction rows (the problem column dropped). */
    public static JavaRDD<Row> goodRows(JavaRDD<Row> scored) {
        return scored.filter(r -> r.isNullAt(0)).map(r -> {
            Object[] values = new Object[r.length() - 1];
            for (int i = 0; i < values.length; i++) {
                values[i] = r.get(i + 1);
            }
            return RowFactory.create(values);
        });
    }

    /** Adds up scored rows: records, good and bad, the first problems, and the confusion of the labeled ones. */
    public Summary summarize(JavaRDD<Row> scored, int classes) {
        int labelAt = 3 + keyColumns.size();
        int predictionAt = labelAt + (labeled ? 1 : 0);
        return scored.mapPartitions(it -> {
            Summary s = new Summary(classes);
            while (it.hasNext()) {
                Row r = it.next();
                if (!r.isNullAt(0)) {
                    // The problem column holds "UNIT fault" (badRow); file and position are the row's.
                    String problem = r.getString(0);
                    int space = problem.indexOf(' ');
                    s.records.add(ParsedRecord.bad(new Problem(r.getString(1),
                            Problem.Unit.valueOf(problem.substring(0, space)), r.getLong(2), problem.substring(space + 1))));
                    continue;
                }
                s.records.addGood(1);
                if (labeled && !r.isNullAt(labelAt)) {
                    s.confusion[r.getInt(labelAt) * classes + r.getInt(predictionAt)]++;
                }
            }
            return List.of(s).iterator();
        }).reduce(Summary::merge);
    }

    /**
     * What scoring found: the records (good and bad, the first problems) and, for the labeled
     * rows, {@code confusion[actual * classes + predicted]}.
     */
    public static final class Summary implements Serializable {
        private static final long serialVersionUID = 1L;
        private final int classes;
        private final RecordSummary records = new RecordSummary();
        private final long[] confusion;

        Summary(int classes) {
            this.classes = classes;
            this.confusion = new long[classes * classes];
        }

        Summary merge(Summary other) {
            records.merge(other.records);
            for (int i = 0; i < confusion.length; i++) {
                confusion[i] += other.confusion[i];
            }
            return this;
        }

        /** Records, good and bad, and the first problems. */
        public RecordSummary records() {
            return records;
        }

        /** Rows predicted. */
        public long scored() {
            return records.good();
        }

        /** {@code [actual][predicted]} counts of the labeled rows. */
        public long[][] confusion() {
            long[][] out = new long[classes][];
            for (int a = 0; a < classes; a++) {
                out[a] = Arrays.copyOfRange(confusion, a * classes, (a + 1) * classes);
            }
            return out;
        }

        /** Rows with a label. */
        public long labeled() {
            return Arrays.stream(confusion).sum();
        }
    }

    /**
     * A batch's rows, in the records' order: the good records scored by one {@code output()} call,
     * the bad ones with their problem.
     */
    private List<Row> rows(List<KeyedRecord> batch, ScoringNetwork.Scorer scorer, int classes) {
        List<Example> good = batch.stream().filter(r -> r.record().isGood()).map(r -> r.record().example()).toList();
        float[] p = good.isEmpty() ? new float[0] : scorer.probabilities(good);
        int width = 1 + schema().length();
        List<Row> out = new ArrayList<>(batch.size());
        int scored = 0;
        for (KeyedRecord r : batch) {
            out.add(r.record().isGood() ? goodRow(r, p, classes * scored++, classes, width) : badRow(r, width));
        }
        return out;
    }

    private Row goodRow(KeyedRecord r, float[] p, int offset, int classes, int width) {
        Object[] values = new Object[width];
        int k = fillKeys(values, r);
        if (labeled) {
            int label = r.record().example().label();
            values[k++] = label == Example.NO_LABEL ? null : label;
        }
        int best = 0;
        double[] probability = new double[classes];
        for (int c = 0; c < classes; c++) {
            probability[c] = p[offset + c];
            if (p[offset + c] > p[offset + best]) {
                best = c;
            }
        }
        values[k++] = best;
        if (!classNames.isEmpty()) {
            values[k++] = classNames.get(best);
        }
        values[k] = probability;
        return RowFactory.create(values);
    }

    private static Row badRow(KeyedRecord r, int width) {
        Object[] values = new Object[width];
        fillKeys(values, r);
        Problem problem = r.record().problem();
        values[0] = problem.unit() + " " + problem.fault();
        values[1] = problem.file();
        values[2] = problem.position();
        return RowFactory.create(values);
    }

    /** Writes file, row and keys after the problem column; returns the next index. */
    private static int fillKeys(Object[] values, KeyedRecord r) {
        values[1] = r.file();
        values[2] = r.row();
        System.arraycopy(r.keys(), 0, values, 3, r.keys().length);
        return 3 + r.keys().length;
    }
}
