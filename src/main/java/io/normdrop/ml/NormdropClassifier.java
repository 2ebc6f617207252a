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
import org.apache.spark.ml.param.ParamMap;
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
public final class NormdropClassifier extends NormdropClassifierParams implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(NormdropClassifier.class);

    /** A classifier with a random uid and the defaults. */
    public NormdropClassifier() {
        this(Identifiable$.MODULE$.randomUID("normdropClassifier"));
    }

    /** A classifier with the given uid and the defaults (Spark's copy and load use it). */
    public NormdropClassifier(String uid) {
        this(ConstructionUid.offer(uid));
    }

    private NormdropClassifier(ConstructionUid.Token token) {
        super(token);
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
        return isDefined(validationIndicatorCol()) && !getValidationIndicatorCol().isEmpty()
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
        return job.withTraining(training);
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
