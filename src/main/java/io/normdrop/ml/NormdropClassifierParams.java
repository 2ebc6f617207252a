package io.normdrop.ml;

import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;

import java.util.Map;

/**
 * The params of {@link NormdropClassifier}, as Spark's classifiers keep theirs apart from the
 * fitting ({@code LogisticRegressionParams}): each a {@code Param} that Spark finds by its public
 * method, a getter and a setter, with their defaults; and the stage's uid, which the params are
 * created with before a Java subclass has fields ({@link ConstructionUid}). Public, as Spark
 * calls the param methods by reflection.
 */
public abstract class NormdropClassifierParams
        extends ProbabilisticClassifier<Vector, NormdropClassifier, NormdropClassificationModel> {
    private static final long serialVersionUID = 1L;

    /** Params renamed since a classifier could first be saved: former name to name. */
    private static final Map<String, String> FORMER_NAMES = Map.of("averagingFrequency", "averagingPeriod");

    private final String uid;

    private final Param<String> job = new Param<>(this, "job", "HOCON text of a Normdrop job's model and"
            + " training sections (any of their keys; of data only classes, classNames, normalization, onBadRecord,"
            + " maxBadFraction, batchSize); set params win over it, it wins over their defaults",
            new ParamChecks.NotNull<>());
    private final IntArrayParam layers = new IntArrayParam(this, "layers", "units of each hidden layer, from input"
            + " to output (each >= 1; empty: the output layer alone)", new ParamChecks.AllPositive());
    private final DoubleParam keep = new DoubleParam(this, "keep", "dropout retain probability on every hidden"
            + " layer's output (the input of each layer after the first), in training only (0 < keep <= 1; 1: no"
            + " dropout)",
            ParamValidators.inRange(0, 1, false, true));
    private final BooleanParam weightNorm = new BooleanParam(this, "weightNorm", "whether the layers are"
            + " weight-normalized (weightnorm-dense and weightnorm-output: w = g·v/‖v‖ per unit) or plain (dense"
            + " and output)");
    private final IntParam epochs = new IntParam(this, "epochs", "passes over the training rows (>= 1)",
            ParamValidators.gtEq(1));
    private final IntParam workers = new IntParam(this, "workers", "parallel workers (>= 0; 0: Spark's default"
            + " parallelism)", ParamValidators.gtEq(0));
    private final IntParam averagingPeriod = new IntParam(this, "averagingPeriod", "minibatches each worker"
            + " fits between parameter averagings (>= 1); lower: closer to one-machine training but more time"
            + " exchanging parameters, higher: faster but the workers drift apart", ParamValidators.gtEq(1));
    private final IntParam batchSize = new IntParam(this, "batchSize", "minibatch size each worker fits (>= 1)",
            ParamValidators.gtEq(1));
    private final DoubleParam learningRate = new DoubleParam(this, "learningRate", "step size of the updater"
            + " (Adam unless the job says otherwise) (> 0)", ParamValidators.gt(0));
    private final LongParam seed = new LongParam(this, "seed", "seed of weight init, dropout masks and the order"
            + " of the rows in every epoch");
    private final Param<String> validationIndicatorCol = new Param<>(this, "validationIndicatorCol", "name of"
            + " the boolean column that indicates whether each row is for training or for validation: false (or"
            + " null) indicates training, true validation; unset: the training rows are also the validation rows",
            new ParamChecks.NotNull<>());

    /** Our params are fields, created before the constructor's body with the pending uid. */
    NormdropClassifierParams(ConstructionUid.Token token) {
        this.uid = ConstructionUid.take(token);
        setDefault(job, "");
        setDefault(layers, new int[]{256, 128});
        setDefault(keep, 1.0);
        setDefault(weightNorm, true);
        setDefault(epochs, 5);
        setDefault(workers, 0);
        setDefault(averagingPeriod, 10);
        setDefault(batchSize, 64);
        setDefault(learningRate, 0.001);
        setDefault(seed, 42L);
    }

    @Override
    public String uid() {
        return uid != null ? uid : ConstructionUid.pending();
    }

    // ---- params: the Param (Spark finds them by these public methods), getter, setter --------------

    /** HOCON text of a Normdrop job's {@code model} and {@code training} sections; default "". */
    public Param<String> job() {
        return job;
    }

    public String getJob() {
        return getOrDefault(job);
    }

    public NormdropClassifier setJob(String value) {
        return (NormdropClassifier) set(job, value);
    }

    /** Units of each hidden layer, input to output; default {256, 128}. */
    public IntArrayParam layers() {
        return layers;
    }

    public int[] getLayers() {
        return getOrDefault(layers).clone();
    }

    public NormdropClassifier setLayers(int... units) {
        return (NormdropClassifier) set(layers, units.clone());
    }

    /** Dropout retain probability on every hidden layer's output; default 1 (no dropout). */
    public DoubleParam keep() {
        return keep;
    }

    public double getKeep() {
        return (Double) getOrDefault(keep);
    }

    public NormdropClassifier setKeep(double value) {
        return (NormdropClassifier) set(keep, value);
    }

    /** Weight-normalized layers (true, the default) or plain ones. */
    public BooleanParam weightNorm() {
        return weightNorm;
    }

    public boolean getWeightNorm() {
        return (Boolean) getOrDefault(weightNorm);
    }

    public NormdropClassifier setWeightNorm(boolean value) {
        return (NormdropClassifier) set(weightNorm, value);
    }

    /** Passes over the training rows; default 5. */
    public IntParam epochs() {
        return epochs;
    }

    public int getEpochs() {
        return (Integer) getOrDefault(epochs);
    }

    public NormdropClassifier setEpochs(int value) {
        return (NormdropClassifier) set(epochs, value);
    }

    /** Parallel workers; default 0, Spark's default parallelism. */
    public IntParam workers() {
        return workers;
    }

    public int getWorkers() {
        return (Integer) getOrDefault(workers);
    }

    public NormdropClassifier setWorkers(int value) {
        return (NormdropClassifier) set(workers, value);
    }

    /**
     * Minibatches each worker fits between parameter averagings; default 10. Lower keeps the
     * workers closer to one-machine training but spends more time exchanging parameters; higher
     * is faster but lets the workers drift apart.
     */
    public IntParam averagingPeriod() {
        return averagingPeriod;
    }

    public int getAveragingPeriod() {
        return (Integer) getOrDefault(averagingPeriod);
    }

    public NormdropClassifier setAveragingPeriod(int value) {
        return (NormdropClassifier) set(averagingPeriod, value);
    }

    /**
     * The param's former name; {@link #getAveragingPeriod()}.
     *
     * @deprecated the param is {@code averagingPeriod} (a period in minibatches, not a frequency);
     * use {@link #getAveragingPeriod()}
     */
    @Deprecated
    public int getAveragingFrequency() {
        return getAveragingPeriod();
    }

    /**
     * The param's former name; {@link #setAveragingPeriod(int)}.
     *
     * @deprecated the param is {@code averagingPeriod} (a period in minibatches, not a frequency);
     * use {@link #setAveragingPeriod(int)}
     */
    @Deprecated
    public NormdropClassifier setAveragingFrequency(int value) {
        return setAveragingPeriod(value);
    }

    /**
     * Spark's lookup by name, which also finds {@code averagingPeriod} by its former name
     * {@code averagingFrequency}: classifiers and pipelines saved before the rename carry that
     * name in their metadata, and Spark's reader looks every saved param up here.
     */
    @Override
    public Param<Object> getParam(String paramName) {
        return super.getParam(FORMER_NAMES.getOrDefault(paramName, paramName));
    }

    /** Minibatch size of each worker; default 64. */
    public IntParam batchSize() {
        return batchSize;
    }

    public int getBatchSize() {
        return (Integer) getOrDefault(batchSize);
    }

    public NormdropClassifier setBatchSize(int value) {
        return (NormdropClassifier) set(batchSize, value);
    }

    /** The updater's step size; default 0.001. */
    public DoubleParam learningRate() {
        return learningRate;
    }

    public double getLearningRate() {
        return (Double) getOrDefault(learningRate);
    }

    public NormdropClassifier setLearningRate(double value) {
        return (NormdropClassifier) set(learningRate, value);
    }

    /** Seed of weight init, dropout masks and the order of the rows; default 42. */
    public LongParam seed() {
        return seed;
    }

    public long getSeed() {
        return (Long) getOrDefault(seed);
    }

    public NormdropClassifier setSeed(long value) {
        return (NormdropClassifier) set(seed, value);
    }

    /** The boolean column marking validation rows; no default (the training rows validate). */
    public Param<String> validationIndicatorCol() {
        return validationIndicatorCol;
    }

    public String getValidationIndicatorCol() {
        return getOrDefault(validationIndicatorCol);
    }

    public NormdropClassifier setValidationIndicatorCol(String value) {
        return (NormdropClassifier) set(validationIndicatorCol, value);
    }
}
