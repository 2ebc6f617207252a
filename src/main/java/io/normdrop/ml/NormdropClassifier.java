package io.normdrop.ml;

import com.typesafe.config.ConfigValueFactory;
import io.normdrop.config.JobConfig;
import io.normdrop.config.LoadedJob;
import io.normdrop.config.TrainingConfig;
import io.normdrop.data.DataLoader;
import io.normdrop.data.LoadedData;
import io.normdrop.data.ParsedRecord;
import io.normdrop.data.RecordRules;
import io.normdrop.metrics.EpochMetrics;
import io.normdrop.metrics.MetricsSink;
import io.normdrop.metrics.ProgressLine;
import io.normdrop.train.DynamicAllocation;
import io.normdrop.train.SparkTrainer;
import io.normdrop.train.TrainingInputs;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

/**
 * A Spark ML classifier that trains a Normdrop network (dense or weight-normalized layers, dropout)
 * on a DataFrame with the same trainer as {@code normdrop train}: the rows are checked as a job's
 * data is (a bad label or a NaN feature stops the fit, naming the column and the row), then the
 * workers train with parameter averaging on the DataFrame's Spark context.
 *
 * <p>Input: {@code featuresCol}, a Spark ML vector column (e.g. from {@code VectorAssembler}),
 * and {@code labelCol}, a numeric column of whole numbers 0..k-1. The classes are the label
 * column's ML attribute when it has one (e.g. from {@code StringIndexer}), else the largest label
 * + 1, unless the job gives them ({@code data.classes} or the output layer's units).
 *
 * <p>The network: {@link #layers()} hidden layers and an output layer of one unit per class
 * (softmax, cross-entropy), or the {@code model} section of {@link #job()}. Training: the params
 * below, each a key of a Normdrop job; {@link #job()} may give any other key of the job's
 * {@code model} and {@code training} sections (and {@code data.normalization}, {@code classes},
 * {@code classNames}, {@code onBadRecord}, {@code maxBadFraction}, {@code batchSize}). A param
 * that is set wins over the job, as {@code --set} wins over a job file; the job wins over a
 * param's default. Every value is validated as a job file's is.
 *
 * <p>Validation: after every epoch the network is evaluated (loss and accuracy, logged) on the
 * rows whose {@link #validationIndicatorCol()} is true; without that column, on the training rows
 * themselves. The input is read three times (row numbering, checking, indexing for training):
 * cache a DataFrame that is expensive to compute.
 */
public final class NormdropClassifier
        extends ProbabilisticClassifier<Vector, NormdropClassifier, NormdropClassificationModel>
        implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(NormdropClassifier.class);

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

    /** A classifier with a random uid and the defaults. */
    public NormdropClassifier() {
        this(Identifiable$.MODULE$.randomUID("normdropClassifier"));
    }

    /** A classifier with the given uid and the defaults (Spark's copy and load use it). */
    public NormdropClassifier(String uid) {
        this(ConstructionUid.offer(uid));
    }

    private NormdropClassifier(ConstructionUid.Token token) {
        // Our params are fields, created before this line with the pending uid.
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

    /** Reads a classifier saved by {@code write().save(path)} (and Pipelines do). */
    public static MLReader<NormdropClassifier> read() {
        return new DefaultParamsReader<>();
    }

    public static NormdropClassifier load(String path) {
        return read().load(path);
    }

    @Override
    public NormdropClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
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

    /** The Normdrop job these params describe ({@link ClassifierJob#load}). */
    LoadedJob loadJob() {
        return ClassifierJob.load(this);
    }

    // ---- fitting ------------------------------------------------------------------------------------

    @Override
    public StructType transformSchema(StructType schema) {
        Columns.requireFeatures(schema, getFeaturesCol(), uid());
        Columns.requireLabel(schema, getLabelCol(), uid());
        if (validationIndicator() != null) {
            Columns.requireValidationIndicator(schema, validationIndicator(), uid());
        }
        return super.transformSchema(schema);
    }

    /** The validation indicator column; null when unset or empty. */
    private String validationIndicator() {
        return isDefined(validationIndicatorCol) && !getValidationIndicatorCol().isEmpty()
                ? getValidationIndicatorCol() : null;
    }

    /**
     * Trains on the rows of {@code dataset} (called by {@code fit}, which has checked the schema
     * and cast the label to double).
     *
     * @throws io.normdrop.data.DataException when a row has a bad label or features (the message
     *                                        names the column and the row's index), or there are none
     */
    @Override
    public NormdropClassificationModel train(Dataset<?> dataset) {
        LoadedJob loaded = loadJob();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        JobConfig job = forThisContext(loaded, sc);
        String indicator = validationIndicator();
        FrameRows rows = new FrameRows(getLabelCol(), getFeaturesCol(), indicator);
        JavaPairRDD<Row, Long> indexed = rows.select(dataset).toJavaRDD().zipWithIndex();
        RecordRules rules = rows.rules(job, dataset);
        JavaRDD<ParsedRecord> trainRecords = indexed.filter(t -> !rows.isValidation(t._1()))
                .map(t -> rows.record(t._1(), t._2(), rules));
        DataLoader loader = new DataLoader(sc, job.data());
        LoadedData train = loader.checked("training rows", rows.describe(false), trainRecords, rules, List.of());
        LoadedData validation = train;
        if (indicator != null) {
            try {
                RecordRules trained = new RecordRules(train.features(), train.classes(), "the training rows");
                JavaRDD<ParsedRecord> validationRecords = indexed.filter(t -> rows.isValidation(t._1()))
                        .map(t -> rows.record(t._1(), t._2(), trained));
                validation = loader.checked("validation rows", rows.describe(true), validationRecords, trained, List.of());
            } catch (RuntimeException e) {
                train.release();
                throw e;
            }
        }
        StringWriter warnings = new StringWriter();
        StringWriter notes = new StringWriter();
        try (TrainingInputs inputs = TrainingInputs.of(job, train, validation, new PrintWriter(warnings, true))) {
            MultiLayerNetwork initial = inputs.initialNetwork(job.model().dataInit(), new PrintWriter(notes, true));
            warnings.toString().lines().forEach(line -> LOG.warn("{}: {}", uid(), line));
            notes.toString().lines().forEach(line -> LOG.info("{}: {}", uid(), line));
            LOG.info("{}: training {} rows ({} features, {} classes), validating on {}", uid(), train.count(),
                    train.features(), train.classes(), indicator == null ? "the training rows" : validation.count()
                            + " rows");
            SparkTrainer.Result result = new SparkTrainer(sc, job.training(), false).fit(initial, inputs,
                    new EpochLog(uid()));
            return new NormdropClassificationModel(uid(), result.network(), inputs.scaler(), trainedJob(loaded, job));
        }
    }

    /**
     * The job with a master that {@code sc} can run: with dynamic allocation on, Spark refuses the
     * default allreduce master's barrier stages, so a job that leaves {@code training.master} out
     * trains with the resident master (logged), and one that asks for allreduce is refused before
     * any data is read.
     *
     * @throws io.normdrop.config.ConfigException on {@code training.master}, naming param job and
     *                                            the masters that work
     */
    private JobConfig forThisContext(LoadedJob loaded, JavaSparkContext sc) {
        JobConfig job = loaded.config();
        TrainingConfig training = DynamicAllocation.forThisContext(job.training(), loaded.sets("training.master"),
                sc.getConf(), "set training.master = resident or parameter-averaging in param job (e.g. setJob(\""
                        + "training.master = resident\")), or leave training.master out of it: " + uid() + " then trains"
                        + " with resident", line -> LOG.warn("{}: {}", uid(), line));
        return new JobConfig(job.data(), job.model(), training, job.output(), job.quality(), job.metrics(), job.spark());
    }

    /** The resolved job as HOCON, with the master that trained (which {@link #forThisContext} may have changed). */
    private static String trainedJob(LoadedJob loaded, JobConfig job) {
        if (job.training().master() == loaded.config().training().master()) {
            return loaded.renderHocon();
        }
        return new LoadedJob(loaded.source(), loaded.resolved().withValue("training.master",
                ConfigValueFactory.fromAnyRef(job.training().master().jobName())), job).renderHocon();
    }

    /** Logs one line per epoch (loss, validation loss and accuracy, speed). */
    private record EpochLog(String uid) implements MetricsSink {
        @Override
        public void epoch(EpochMetrics metrics) {
            LOG.info("{}: {}", uid, ProgressLine.format(metrics));
        }
    }
}
