package io.normdrop.ml;

import io.normdrop.data.Example;
import io.normdrop.data.FeatureScaler;
import io.normdrop.score.ScoringNetwork;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * A network trained by {@link NormdropClassifier}, with the feature scaling it was trained with
 * (none unless the job's {@code data.normalization} asks for one), scoring in inference mode
 * (no dropout).
 *
 * <p>{@link #transform} scores each partition in minibatches of {@value #BATCH_ROWS} rows, one
 * network per task built from parameters broadcast once, and appends MLlib's columns where their
 * names are not empty: {@code rawPredictionCol} and {@code probabilityCol} (vectors of
 * {@link #numClasses()}), {@code predictionCol} (the class, a double; with {@code thresholds} the
 * class of the largest probability / threshold, as MLlib's classifiers do). The output layer is a
 * softmax, so the raw prediction is the class probabilities themselves; the probability column is
 * the same vector divided by its sum (which is 1 but for float rounding). The output schema is
 * exactly {@link #transformSchema}'s, ML attributes included, so the new columns come in its order
 * (prediction, raw prediction, probability), not in the order MLlib's own classifiers happen to
 * append them: select them by name.
 *
 * <p>Saved as MLlib models are: {@code metadata/} (the params, by {@code DefaultParamsWriter}),
 * and {@code data/model.zip} (the network in DL4J's {@code ModelSerializer} format, without
 * updater state, with the feature scaling as {@code normdrop train}'s model files carry it) and
 * {@code data/job.conf} (the resolved Normdrop job that trained it), on any Hadoop file system.
 */
public final class NormdropClassificationModel
        extends ProbabilisticClassificationModel<Vector, NormdropClassificationModel>
        implements MLWritable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(NormdropClassificationModel.class);
    /** Rows per {@code output()} call in {@link #transform}. */
    static final int BATCH_ROWS = 1024;

    private final String uid;
    private final MultiLayerNetwork network;
    private final FeatureScaler scaler;
    private final String trainingJob;
    private final int numFeatures;
    private final int numClasses;
    /** Scores single rows on the driver ({@link #predictRaw}); built on first use. */
    private transient ScoringNetwork.Scorer rowScorer;

    /**
     * @param network     the trained network (not modified; shared with copies)
     * @param scaler      the feature scaling applied before the network; null for none
     * @param trainingJob the resolved Normdrop job that trained it, as HOCON
     */
    NormdropClassificationModel(String uid, MultiLayerNetwork network, FeatureScaler scaler, String trainingJob) {
        this(ConstructionUid.offer(uid), network, scaler, trainingJob);
    }

    private NormdropClassificationModel(ConstructionUid.Token token, MultiLayerNetwork network, FeatureScaler scaler,
                                        String trainingJob) {
        this.uid = ConstructionUid.take(token);
        this.network = network;
        this.scaler = scaler;
        this.trainingJob = trainingJob;
        this.numFeatures = ScoringNetwork.inputFeatures(network);
        this.numClasses = (int) network.layerSize(network.getnLayers() - 1);
    }

    @Override
    public String uid() {
        return uid != null ? uid : ConstructionUid.pending();
    }

    @Override
    public int numFeatures() {
        return numFeatures;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    /** A copy of the trained network. */
    public MultiLayerNetwork network() {
        return network.clone();
    }

    /** The feature scaling applied before the network; null when none. */
    public FeatureScaler scaler() {
        return scaler;
    }

    /** The resolved Normdrop job that trained the network, as HOCON. */
    public String trainingJob() {
        return trainingJob;
    }

    @Override
    public NormdropClassificationModel copy(ParamMap extra) {
        NormdropClassificationModel copy = copyValues(new NormdropClassificationModel(uid(), network, scaler,
                trainingJob), extra);
        return copy.setParent(parent());
    }

    /**
     * MLlib's own (a copy with the prediction columns set, for summaries). Declared again only
     * because javac sees two inherited signatures where Scala overrides with a narrower type.
     */
    @Override
    @SuppressWarnings("rawtypes")
    public scala.Tuple3 findSummaryModel() {
        return super.findSummaryModel();
    }

    @Override
    public String toString() {
        return "NormdropClassificationModel: uid=" + uid() + ", numClasses=" + numClasses + ", numFeatures="
                + numFeatures;
    }

    // ---- scoring ------------------------------------------------------------------------------------

    /** The class probabilities of one row (the network's softmax output): one network call per row. */
    @Override
    public synchronized Vector predictRaw(Vector features) {
        requireSize(features, numFeatures, getFeaturesCol());
        if (rowScorer == null) {
            // The driver's own ND4J thread count, left as it is.
            rowScorer = new ScoringNetwork(network, scaler, Nd4j.getEnvironment().maxThreads()).scorer();
        }
        return new DenseVector(doubles(rowScorer.probabilities(List.of(FrameRows.example(features))), 0, numClasses));
    }

    /** Divides the raw prediction (the softmax output) by its sum, in place. */
    @Override
    public Vector raw2probabilityInPlace(Vector rawPrediction) {
        if (!(rawPrediction instanceof DenseVector dense)) {
            throw new IllegalArgumentException("raw predictions of " + uid() + " are dense vectors, got "
                    + rawPrediction.getClass().getSimpleName());
        }
        normalize(dense.values());
        return dense;
    }

    /**
     * Scores every row: minibatches of {@value #BATCH_ROWS} rows per {@code output()} call in each
     * partition, with the columns and schema of {@link #transformSchema}.
     *
     * @throws IllegalArgumentException when the features column is missing or not a vector, or
     *                                  the thresholds are not one per class; a row whose vector is
     *                                  null or of another size fails its task, naming the column
     */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType output = transformSchema(dataset.schema());
        double[] thresholds = isDefined(thresholds()) ? getThresholds() : null;
        if (thresholds != null && thresholds.length != numClasses) {
            throw new IllegalArgumentException(uid() + ".transform(): thresholds has " + thresholds.length
                    + " values, but the model has " + numClasses + " classes");
        }
        Placement placement = new Placement(output.length(), index(output, getRawPredictionCol()),
                index(output, getProbabilityCol()), index(output, getPredictionCol()));
        if (placement.rawIndex() < 0 && placement.probabilityIndex() < 0 && placement.predictionIndex() < 0) {
            LOG.warn("{}: transform() was called as a no-op: rawPredictionCol, probabilityCol and predictionCol"
                    + " are all empty", uid());
            return dataset.toDF();
        }
        SparkContext sc = dataset.sparkSession().sparkContext();
        Broadcast<ScoringNetwork> scoring = JavaSparkContext.fromSparkContext(sc).broadcast(
                new ScoringNetwork(network, scaler, ScoringNetwork.threadsPerTask(sc)));
        Scoring scoreRows = new Scoring(scoring, dataset.schema().fieldIndex(getFeaturesCol()), getFeaturesCol(),
                numFeatures, numClasses, placement, thresholds);
        Dataset<Row> scored = dataset.toDF().mapPartitions(scoreRows, Encoders.row(output));
        // The row encoder keeps the columns' types but not their metadata (ML attributes): put it back.
        return scored.select(Arrays.stream(output.fields())
                .map(f -> col(FrameRows.quote(f.name())).as(f.name(), f.metadata())).toArray(Column[]::new));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        Columns.requireFeatures(schema, getFeaturesCol(), uid());
        return super.transformSchema(schema);
    }

    /** Where a column is in the output; -1 when its name is empty (not appended). */
    private static int index(StructType output, String column) {
        return column.isEmpty() ? -1 : output.fieldIndex(column);
    }

    /**
     * Where the appended columns go in an output row (transformSchema's order: prediction, raw
     * prediction, probability), -1 for those not appended.
     *
     * @param width the output row's width
     */
    private record Placement(int width, int rawIndex, int probabilityIndex, int predictionIndex)
            implements java.io.Serializable {
    }

    /** One partition's rows, scored minibatch by minibatch, in their order. */
    private record Scoring(Broadcast<ScoringNetwork> network, int featuresIndex, String featuresCol, int features,
                           int classes, Placement placement, double[] thresholds)
            implements MapPartitionsFunction<Row, Row> {
        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            ScoringNetwork.Scorer scorer = network.value().scorer();
            return ScoringNetwork.inBatches(rows, BATCH_ROWS, batch -> {
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
                float[] p = scorer.probabilities(examples);
                List<Row> out = new ArrayList<>(batch.size());
                for (int i = 0; i < batch.size(); i++) {
                    out.add(scored(batch.get(i), doubles(p, i * classes, classes)));
                }
                return out;
            });
        }

        private Row scored(Row row, double[] raw) {
            Object[] values = new Object[placement.width()];
            for (int j = 0; j < row.length(); j++) {
                values[j] = row.get(j);
            }
            double[] probability = raw.clone();
            normalize(probability);
            if (placement.rawIndex() >= 0) {
                values[placement.rawIndex()] = new DenseVector(raw);
            }
            if (placement.probabilityIndex() >= 0) {
                values[placement.probabilityIndex()] = new DenseVector(probability);
            }
            if (placement.predictionIndex() >= 0) {
                values[placement.predictionIndex()] = (double) (thresholds == null ? argmax(raw)
                        : argmaxScaled(probability, thresholds));
            }
            return RowFactory.create(values);
        }
    }

    private static void requireSize(Vector v, int features, String column) {
        if (v.size() != features) {
            throw new IllegalArgumentException("features column '" + column + "': a vector of size " + v.size()
                    + ", but the model takes " + features + " features");
        }
    }

    private static double[] doubles(float[] values, int offset, int n) {
        double[] d = new double[n];
        for (int k = 0; k < n; k++) {
            d[k] = values[offset + k];
        }
        return d;
    }

    /** Divides by the sum, in place (a sum that is not positive, from NaN features, leaves it as it is). */
    private static void normalize(double[] v) {
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

    // ---- saving and loading -------------------------------------------------------------------------

    @Override
    public MLWriter write() {
        return new ModelFiles.Writer(this);
    }

    public static MLReader<NormdropClassificationModel> read() {
        return new ModelFiles.Reader();
    }

    public static NormdropClassificationModel load(String path) {
        return read().load(path);
    }
}
