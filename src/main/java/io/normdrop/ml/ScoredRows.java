package io.normdrop.ml;

import io.normdrop.data.Example;
import io.normdrop.score.ScoringNetwork;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * What {@link NormdropClassificationModel#transform} runs on each partition: its rows scored
 * minibatch by minibatch ({@code batchRows} rows a forward pass), in their order, each given the
 * columns MLlib's transform appends: the raw scores, the probabilities and the prediction.
 *
 * @param features the model's features; a row's vector of another size fails its task
 * @param thresholds MLlib's per-class thresholds on the probabilities; null: the largest raw score
 */
record ScoredRows(Broadcast<ScoringNetwork> network, int featuresIndex, String featuresCol, int features,
                  int classes, Layout layout, double[] thresholds, int batchRows)
        implements MapPartitionsFunction<Row, Row> {
    /**
     * The layout of an output row: its width and the index of each appended column
     * ({@link NormdropClassificationModel#transformSchema}'s), -1 for a column not appended (its
     * name is empty).
     */
    record Layout(int width, int rawIndex, int probabilityIndex, int predictionIndex) implements Serializable {
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        ScoringNetwork.Scorer scorer = network.value().scorer();
        return ScoringNetwork.inBatches(rows, batchRows, batch -> {
            List<Example> examples = new ArrayList<>(batch.size());
            for (Row row : batch) {
                if (row.isNullAt(featuresIndex)) {
                    throw new IllegalArgumentException("features column '" + featuresCol + "' is null in a row"
                            + " to score");
                }
                Vector v = (Vector) row.get(featuresIndex);
                requireSize(v, features, featuresCol);
                examples.add(FrameRows.example(v));
            }
            ScoringNetwork.Scores scores = scorer.scores(examples);
            List<Row> out = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                out.add(scored(batch.get(i), doubles(scores.raw(), i * classes, classes),
                        doubles(scores.probabilities(), i * classes, classes)));
            }
            return out;
        });
    }

    /** The row with its raw scores, its probabilities (normalized here) and its class. */
    private Row scored(Row row, double[] raw, double[] probability) {
        Object[] values = new Object[layout.width()];
        for (int j = 0; j < row.length(); j++) {
            values[j] = row.get(j);
        }
        normalize(probability);
        if (layout.rawIndex() >= 0) {
            values[layout.rawIndex()] = new DenseVector(raw);
        }
        if (layout.probabilityIndex() >= 0) {
            values[layout.probabilityIndex()] = new DenseVector(probability);
        }
        if (layout.predictionIndex() >= 0) {
            values[layout.predictionIndex()] = (double) (thresholds == null ? argmax(raw)
                    : argmaxScaled(probability, thresholds));
        }
        return RowFactory.create(values);
    }

    static void requireSize(Vector v, int features, String column) {
        if (v.size() != features) {
            throw new IllegalArgumentException("features column '" + column + "': a vector of size " + v.size()
                    + ", but the model takes " + features + " features");
        }
    }

    static double[] doubles(float[] values, int offset, int n) {
        double[] d = new double[n];
        for (int k = 0; k < n; k++) {
            d[k] = values[offset + k];
        }
        return d;
    }

    /** Divides by the sum, in place (a sum that is not positive, from NaN features, leaves it as it is). */
    static void normalize(double[] v) {
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        if (sum > 0) {
            for (int k = 0; k < v.length; k++) {
                v[k] /= sum;
            }
        }
    }

    /** The first index of the largest value, as MLlib's {@code Vector.argmax}. */
    private static int argmax(double[] v) {
        int best = 0;
        for (int k = 1; k < v.length; k++) {
            if (v[k] > v[best]) {
                best = k;
            }
        }
        return best;
    }

    /** MLlib's prediction with thresholds: the largest probability / threshold (a 0 threshold wins). */
    private static int argmaxScaled(double[] probability, double[] thresholds) {
        int best = 0;
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < probability.length; k++) {
            double scaled = probability[k] / thresholds[k];
            if (scaled > max) {
                max = scaled;
                best = k;
            }
        }
        return best;
    }
}
