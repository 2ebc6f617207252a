package io.normdrop.ml;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValueType;
import io.normdrop.config.JobConfig;
import io.normdrop.config.JobFiles;
import io.normdrop.config.LoadedJob;
import io.normdrop.data.DataLoader;
import io.normdrop.data.LoadedData;
import io.normdrop.data.ParsedRecord;
import io.normdrop.data.RecordRules;
import io.normdrop.metrics.EpochMetrics;
import io.normdrop.metrics.MetricsSink;
import io.normdrop.metrics.ProgressLine;
import io.normdrop.train.SparkTrainer;
import io.normdrop.train.TrainingInputs;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.attribute.BinaryAttribute;
import org.apache.spark.ml.attribute.NominalAttribute;
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
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.runtime.AbstractFunction1;

import java.io.PrintWriter;
import java.io.Serializable;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.apache.spark.sql.functions.col;

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
    /** Keys of the job's data section that {@link #job()} may give; the others describe files. */
    private static final Set<String> DATA_KEYS = Set.of("classes", "classNames", "normalization", "onBadRecord",
            "maxBadFraction", "batchSize");

    private final String uid;

    private final Param<String> job = new Param<>(this, "job", "HOCON text of a Normdrop job's model and"
            + " training sections (any of their keys; of data only classes, classNames, normalization, onBadRecord,"
            + " maxBadFraction, batchSize); set params win over it, it wins over their defaults",
            new NotNull<>());
    private final IntArrayParam layers = new IntArrayParam(this, "layers", "units of each hidden layer, from input"
            + " to output (each >= 1; empty: the output layer alone)", new AllPositive());
    private final DoubleParam keep = new DoubleParam(this, "keep", "dropout retain probability on the input of"
            + " every hidden layer, in training only (0 < keep <= 1; 1: no dropout)",
            ParamValidators.inRange(0, 1, false, true));
    private final BooleanParam weightNorm = new BooleanParam(this, "weightNorm", "whether the layers are"
            + " weight-normalized (weightnorm-dense and weightnorm-output: w = g·v/‖v‖ per unit) or plain (dense"
            + " and output)");
    private final IntParam epochs = new IntParam(this, "epochs", "passes over the training rows (>= 1)",
            ParamValidators.gtEq(1));
    private final IntParam workers = new IntParam(this, "workers", "parallel workers (>= 0; 0: Spark's default"
            + " parallelism)", ParamValidators.gtEq(0));
    private final IntParam averagingFrequency = new IntParam(this, "averagingFrequency", "minibatches each worker"
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
            new NotNull<>());

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
        setDefault(averagingFrequency, 10);
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

    /** Dropout retain probability on the input of every hidden layer; default 1 (no dropout). */
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

    /** Minibatches each worker fits between parameter averagings; default 10. */
    public IntParam averagingFrequency() {
        return averagingFrequency;
    }

    public int getAveragingFrequency() {
        return (Integer) getOrDefault(averagingFrequency);
    }

    public NormdropClassifier setAveragingFrequency(int value) {
        return (NormdropClassifier) set(averagingFrequency, value);
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

    // ---- the job ------------------------------------------------------------------------------------

    /**
     * The Normdrop job these params describe, validated as a job file is: the params that are set,
     * over {@link #job()}, over the params' defaults.
     *
     * @throws IllegalArgumentException when {@link #job()} is not HOCON or gives keys it may not
     * @throws io.normdrop.config.ConfigException naming the key, the value and what is allowed
     */
    LoadedJob loadJob() {
        Config given;
        try {
            given = ConfigFactory.parseString(getJob(), ConfigParseOptions.defaults().setOriginDescription("job"));
        } catch (com.typesafe.config.ConfigException e) {
            throw new IllegalArgumentException(uid() + ": param job is not HOCON: " + e.getMessage(), e);
        }
        requireAllowedKeys(given);
        boolean layersSet = isSet(layers) || isSet(keep) || isSet(weightNorm);
        if (layersSet && given.hasPath("model.layers")) {
            throw new IllegalArgumentException(uid() + ": param job gives model.layers and the params layers, keep or"
                    + " weightNorm are set too; give the network one way");
        }
        Config set = ConfigFactory.parseMap(jobKeys(true, layersSet), "params set");
        Config defaults = ConfigFactory.parseMap(jobKeys(false, true), "param defaults");
        // The data is the DataFrame and the result the fitted model, but a job names files for both:
        // placeholders, never read or written.
        Config placeholders = ConfigFactory.parseMap(Map.of("data.format", "parquet", "data.train.path", "dataframe",
                "data.test.path", "dataframe", "output.dir", "none (the fitted model)"), "the DataFrame");
        return JobFiles.of(set.withFallback(given).withFallback(defaults).withFallback(placeholders), uid(), List.of());
    }

    private void requireAllowedKeys(Config given) {
        for (String section : given.root().keySet()) {
            if (!section.equals("model") && !section.equals("training") && !section.equals("data")) {
                throw new IllegalArgumentException(uid() + ": param job gives '" + section + "'; it may give the"
                        + " model and training sections and data." + String.join(", data.", DATA_KEYS.stream().sorted()
                        .toList()));
            }
        }
        if (given.hasPath("data") && given.getValue("data").valueType() == ConfigValueType.OBJECT) {
            for (String key : given.getConfig("data").root().keySet()) {
                if (!DATA_KEYS.contains(key)) {
                    throw new IllegalArgumentException(uid() + ": param job gives data." + key + "; the data is the"
                            + " DataFrame, and of the data section only data." + String.join(", data.",
                            DATA_KEYS.stream().sorted().toList()) + " may be given");
                }
            }
        }
    }

    /**
     * The job keys of the params: those set ({@code onlySet}) or all with their current values;
     * {@code model.layers} from layers, keep and weightNorm when {@code withLayers}.
     */
    private Map<String, Object> jobKeys(boolean onlySet, boolean withLayers) {
        Map<String, Object> keys = new LinkedHashMap<>();
        if (withLayers) {
            keys.put("model.layers", layerList());
        }
        putIf(keys, onlySet, epochs, "training.epochs");
        putIf(keys, onlySet, workers, "training.workers");
        putIf(keys, onlySet, averagingFrequency, "training.averagingFrequency");
        putIf(keys, onlySet, batchSize, "training.batchSizePerWorker");
        putIf(keys, onlySet, learningRate, "training.updater.learningRate");
        putIf(keys, onlySet, seed, "training.seed");
        return keys;
    }

    private void putIf(Map<String, Object> keys, boolean onlySet, Param<?> param, String key) {
        if (!onlySet || isSet(param)) {
            keys.put(key, getOrDefault(param));
        }
    }

    /** {@code model.layers}: the hidden layers (dropout on their inputs), then the output layer. */
    private List<Object> layerList() {
        String prefix = getWeightNorm() ? "weightnorm-" : "";
        List<Object> list = new ArrayList<>();
        for (int units : getLayers()) {
            Map<String, Object> layer = new LinkedHashMap<>();
            layer.put("type", prefix + "dense");
            layer.put("units", units);
            if (getKeep() < 1) {
                layer.put("dropout", Map.of("keep", getKeep()));
            }
            list.add(layer);
        }
        list.add(Map.of("type", prefix + "output"));
        return list;
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
        JobConfig job = loaded.config();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        String indicator = validationIndicator();
        FrameRows rows = new FrameRows(getLabelCol(), getFeaturesCol(), indicator);
        JavaPairRDD<Row, Long> indexed = rows.select(dataset).toJavaRDD().zipWithIndex();
        RecordRules rules = rules(job, dataset, rows);
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
            return new NormdropClassificationModel(uid(), result.network(), inputs.scaler(), loaded.renderHocon());
        }
    }

    /**
     * What a good training row looks like: the features from the column's ML attribute size (set
     * by VectorAssembler and the scalers) or else its first row; the classes from the job, else
     * the label column's ML attribute, else inferred from the labels.
     */
    private static RecordRules rules(JobConfig job, Dataset<?> dataset, FrameRows rows) {
        StructType schema = dataset.schema();
        int features = AttributeGroup.fromStructField(schema.apply(rows.features())).size();
        String featuresFrom = "column '" + rows.features() + "' (its ML attribute size)";
        if (features < 0) {
            Column column = col(FrameRows.quote(rows.features()));
            List<Row> first = dataset.select(column).where(column.isNotNull()).takeAsList(1);
            features = first.isEmpty() ? 0 : ((Vector) first.get(0).get(0)).size();
            featuresFrom = "the first row of column '" + rows.features() + "'";
        }
        int classes = job.knownClasses();
        String classesFrom = "the job";
        if (classes == 0) {
            Attribute label = Attribute.fromStructField(schema.apply(rows.label()));
            if (label instanceof BinaryAttribute) {
                classes = 2;
            } else if (label instanceof NominalAttribute n && n.numValues().isDefined()) {
                classes = (Integer) n.numValues().get();
            }
            classesFrom = classes > 0 ? "the ML attribute of column '" + rows.label() + "'" : "the training rows";
        }
        return new RecordRules(features, classes, featuresFrom, classesFrom);
    }

    /** Logs one line per epoch (loss, validation loss and accuracy, speed). */
    private record EpochLog(String uid) implements MetricsSink {
        @Override
        public void epoch(EpochMetrics metrics) {
            LOG.info("{}: {}", uid, ProgressLine.format(metrics));
        }
    }

    // ---- validators (Spark keeps them with the params, so they are serializable) ----------------------

    private static final class NotNull<T> extends AbstractFunction1<T, Object> implements Serializable {
        @Override
        public Object apply(T value) {
            return value != null;
        }
    }

    private static final class AllPositive extends AbstractFunction1<int[], Object> implements Serializable {
        @Override
        public Object apply(int[] units) {
            return units != null && Arrays.stream(units).allMatch(u -> u >= 1);
        }
    }
}
