package io.normdrop.ml;

import io.normdrop.data.FeatureScaler;
import io.normdrop.score.ScoringNetwork;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
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
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * A network trained by {@link NormdropClassifier}, with the feature scaling it was trained with
 * (none unless the job's {@code data.normalization} asks for one), scoring in inference mode
 * (no dropout).
 *
 * <p>{@link #transform} scores each partition in minibatches of {@value #BATCH_ROWS} rows, one
 * network per task built from parameters broadcast once, one forward pass per minibatch, and
 * appends MLlib's columns where their names are not empty, in the order MLlib's probabilistic
 * classifiers' {@code transform} appends them: {@code rawPredictionCol} (the output layer's raw
 * scores before its activation: for the softmax output layer the logits z, with
 * softmax(z) = probability), {@code probabilityCol} (the class probabilities, the output layer's
 * activation, divided by their sum so that float rounding leaves them summing to 1), both vectors
 * of {@link #numClasses()}, and {@code predictionCol} (the class, a double: the largest raw
 * score, or with {@code thresholds} the largest probability / threshold, as MLlib's classifiers
 * do). {@link #transformSchema} gives exactly the output schema, in that order and with the ML
 * attributes (MLlib's own {@code transformSchema} lists prediction first, although its
 * {@code transform} appends it last).
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
    /** Rows per forward pass in {@link #transform}. */
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

    /** The output layer's raw scores of one row (the logits of its softmax): one network call per row. */
    @Override
    public synchronized Vector predictRaw(Vector features) {
        ScoredRows.requireSize(features, numFeatures, getFeaturesCol());
        if (rowScorer == null) {
            // The driver's own ND4J thread count, left as it is.
            rowScorer = new ScoringNetwork(network, scaler, Nd4j.getEnvironment().maxThreads()).scorer();
        }
        return new DenseVector(ScoredRows.doubles(rowScorer.scores(List.of(FrameRows.example(features))).raw(), 0,
                numClasses));
    }

    /**
     * Applies the output layer's activation (softmax) to the raw scores, in float as the network
     * computes, then divides by the sum, in place.
     */
    @Override
    public Vector raw2probabilityInPlace(Vector rawPrediction) {
        if (!(rawPrediction instanceof DenseVector dense)) {
            throw new IllegalArgumentException("raw predictions of " + uid() + " are dense vectors, got "
                    + rawPrediction.getClass().getSimpleName());
        }
        double[] v = dense.values();
        float[] raw = new float[v.length];
        for (int k = 0; k < v.length; k++) {
            raw[k] = (float) v[k];
        }
        IActivation activation = ((BaseLayer) network.getLayer(network.getnLayers() - 1).conf().getLayer())
                .getActivationFn();
        float[] p = activation.getActivation(Nd4j.create(raw, new long[]{1, raw.length}, 'c'), false).toFloatVector();
        for (int k = 0; k < v.length; k++) {
            v[k] = p[k];
        }
        ScoredRows.normalize(v);
        return dense;
    }

    /**
     * Scores every row: one forward pass per minibatch of {@value #BATCH_ROWS} rows in each
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
        ScoredRows.Layout layout = new ScoredRows.Layout(output.length(), index(output, getRawPredictionCol()),
                index(output, getProbabilityCol()), index(output, getPredictionCol()));
        if (layout.rawIndex() < 0 && layout.probabilityIndex() < 0 && layout.predictionIndex() < 0) {
            LOG.warn("{}: transform() was called as a no-op: rawPredictionCol, probabilityCol and predictionCol"
                    + " are all empty", uid());
            return dataset.toDF();
        }
        SparkContext sc = dataset.sparkSession().sparkContext();
        Broadcast<ScoringNetwork> scoring = JavaSparkContext.fromSparkContext(sc).broadcast(
                new ScoringNetwork(network, scaler, ScoringNetwork.threadsPerTask(sc)));
        ScoredRows scoreRows = new ScoredRows(scoring, dataset.schema().fieldIndex(getFeaturesCol()), getFeaturesCol(),
                numFeatures, numClasses, layout, thresholds, BATCH_ROWS);
        Dataset<Row> scored = dataset.toDF().mapPartitions(scoreRows, Encoders.row(output));
        // The row encoder keeps the columns' types but not their metadata (ML attributes): put it back.
        return scored.select(Arrays.stream(output.fields())
                .map(f -> col(FrameRows.quote(f.name())).as(f.name(), f.metadata())).toArray(Column[]::new));
    }

    /**
     * The input's columns, then those {@link #transform} appends, in MLlib's transform order: raw
     * prediction, probability, prediction (each where its name is not empty), with the ML
     * attributes MLlib gives them.
     */
    @Override
    public StructType transformSchema(StructType schema) {
        Columns.requireFeatures(schema, getFeaturesCol(), uid());
        // MLlib's checks and attributes, in the order of its transformSchema (prediction first).
        StructType mllib = super.transformSchema(schema);
        List<StructField> fields = new ArrayList<>(Arrays.asList(schema.fields()));
        for (String column : List.of(getRawPredictionCol(), getProbabilityCol(), getPredictionCol())) {
            if (!column.isEmpty()) {
                fields.add(mllib.apply(column));
            }
        }
        return new StructType(fields.toArray(StructField[]::new));
    }

    /** Where a column is in the output; -1 when its name is empty (not appended). */
    private static int index(StructType output, String column) {
        return column.isEmpty() ? -1 : output.fieldIndex(column);
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
