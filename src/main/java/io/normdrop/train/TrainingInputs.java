package io.normdrop.train;

import io.normdrop.config.ConfigException;
import io.normdrop.config.DataConfig;
import io.normdrop.config.ImageShape;
import io.normdrop.config.JobConfig;
import io.normdrop.config.ModelConfig;
import io.normdrop.config.TrainingMasterKind;
import io.normdrop.data.DataLoader;
import io.normdrop.data.DataSets;
import io.normdrop.data.Example;
import io.normdrop.data.FeatureScaler;
import io.normdrop.data.LoadedData;
import io.normdrop.data.ValidationSplit;
import io.normdrop.nn.DataDependentInit;
import io.normdrop.nn.NetworkFactory;
import io.normdrop.nn.NetworkSummary;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * What training starts from, prepared from a job on Spark: the training and test data read and
 * checked (kept on the executors until {@link #close}), the feature scaling fitted on the
 * training data, and the network configuration they imply. {@code train} and {@code validate}
 * both prepare here, so {@code validate} refuses whatever {@code train} would refuse before it
 * trains.
 */
public final class TrainingInputs implements AutoCloseable {
    private final DataConfig data;
    private final LoadedData train;
    private final LoadedData test;
    private final LoadedData validation;
    private final FeatureScaler scaler;
    private final MultiLayerConfiguration network;
    private final double readSeconds;
    private final long seed;

    private TrainingInputs(DataConfig data, LoadedData train, LoadedData test, LoadedData validation, FeatureScaler scaler,
                           MultiLayerConfiguration network, double readSeconds, long seed) {
        this.data = data;
        this.train = train;
        this.test = test;
        this.validation = validation;
        this.scaler = scaler;
        this.network = network;
        this.readSeconds = readSeconds;
        this.seed = seed;
    }

    /**
     * Reads and checks the job's data, fits the scaling and builds the network configuration.
     * Bad records skipped under {@code data.onBadRecord = skip} are one warning line each set.
     *
     * @throws ConfigException when the data contradicts the job (class names, classes, features)
     */
    public static TrainingInputs prepare(JavaSparkContext sc, JobConfig job, PrintWriter warnings) {
        long start = System.nanoTime();
        Masters.requireSlots(sc, job.training());
        DataLoader loader = new DataLoader(sc, job.data());
        LoadedData train = loader.train(job.knownClasses());
        LoadedData test;
        LoadedData validation;
        try {
            test = loader.test(train);
            validation = job.data().validation().files() == null ? null : loader.validation(train);
        } catch (RuntimeException e) {
            train.release();
            throw e;
        }
        return of(job, train, test, validation, warnings, start);
    }

    /**
     * Prepares training from data read and checked elsewhere ({@link DataLoader#checked}, e.g. the
     * DataFrame given to the Spark ML estimator) as {@link #prepare} does after reading: the class
     * names checked, the scaling fitted, the network configuration built. The inputs own the data
     * from here on: {@link #close} releases it, and so does a refusal. {@code test} may be
     * {@code train} itself.
     *
     * @throws ConfigException when the data contradicts the job (class names, classes, features)
     */
    public static TrainingInputs of(JobConfig job, LoadedData train, LoadedData test, PrintWriter warnings) {
        return of(job, train, test, null, warnings, System.nanoTime());
    }

    /**
     * @param validation the validation set's own files, read; null when the job has none (or holds
     *                   {@code data.validation.fraction} of the training data out, which happens here)
     */
    private static TrainingInputs of(JobConfig job, LoadedData train, LoadedData test, LoadedData validation,
                                     PrintWriter warnings, long start) {
        LoadedData original = train;
        try {
            warnSkipped(train, warnings);
            if (test != train) {
                warnSkipped(test, warnings);
            }
            if (validation != null) {
                warnSkipped(validation, warnings);
            } else if (job.data().validation().fraction() > 0) {
                ValidationSplit split = ValidationSplit.of(train, job.data().validation().fraction(), job.training().seed());
                train = split.train();
                validation = split.validation();
            }
            int names = job.data().classNames().size();
            if (names > 0 && names != train.classes()) {
                throw new ConfigException("data.classNames", names + " names, but the training data has "
                        + train.classes() + " classes");
            }
            boolean streamed = job.training().master() == TrainingMasterKind.ALLREDUCE
                    && !job.data().keeps(train.count(), train.features());
            if (!streamed) {
                requireStorage(train, job.training().master());
                train = train.keep();
                test = test == original ? train : test.keep();
            }
            if (validation != null) {
                validation = validation.keep();
            }
            FeatureScaler scaler = FeatureScaler.fit(job.data().normalization(), train.examples().values(), train.features());
            ImageShape shape = job.data().shape() != null ? job.data().shape() : train.images();
            if (shape != null && shape.features() != train.features()) {
                throw new ConfigException("data.shape", String.format(Locale.ROOT, "%s is %,d features, but %s has %,d "
                        + "per example", shape, shape.features(), train.key(), train.features()));
            }
            ModelConfig model = job.model().forDataClasses(train.classes());
            MultiLayerConfiguration network = shape != null ? NetworkFactory.configuration(model, job.training(), shape)
                    : NetworkFactory.configuration(model, job.training(), train.features());
            return new TrainingInputs(job.data(), train, test, validation, scaler, network,
                    (System.nanoTime() - start) / 1e9, job.training().seed());
        } catch (RuntimeException e) {
            train.release();
            test.release();
            if (validation != null) {
                validation.release();
            }
            throw e;
        }
    }

    /**
     * Refuses a training set that a master keeping it on the executors cannot hold: its features
     * take more than the executors' storage memory (the allreduce master streams such a set).
     */
    private static void requireStorage(LoadedData train, TrainingMasterKind master) {
        if (master == TrainingMasterKind.ALLREDUCE) {
            return;
        }
        long storage = 0;
        for (scala.Tuple2<Object, Object> m : scala.collection.JavaConverters.asJavaCollection(
                train.examples().context().getExecutorMemoryStatus().values())) {
            storage += (Long) m._1();
        }
        if (train.featureBytes() > storage) {
            throw new ConfigException("training.master", String.format(Locale.ROOT, "is %s, which keeps the training set "
                    + "on the executors, but its %,d MiB of features are more than their %,d MiB of storage memory; "
                    + "training.master = allreduce streams it from the files", master.jobName(),
                    train.featureBytes() >> 20, storage >> 20));
        }
    }

    private static void warnSkipped(LoadedData data, PrintWriter warnings) {
        if (data.skipped() > 0) {
            warnings.printf(Locale.ROOT, "normdrop: warning: %s: skipped %,d bad record(s) of %,d (data.onBadRecord = skip);"
                    + " first: %s%n", data.key(), data.skipped(), data.summary().records(), data.problems().get(0));
            warnings.flush();
        }
    }

    /**
     * A new network of the job's configuration, initialized; with {@code model.dataInit.enabled}
     * its weight-norm layers initialized from the first training examples, or for a streamed set
     * from examples spread over it ({@link LoadedData#spread}) (a line on {@code out}).
     */
    public MultiLayerNetwork initialNetwork(ModelConfig.DataInit dataInit, PrintWriter out) {
        MultiLayerNetwork net = new MultiLayerNetwork(network.clone());
        net.init();
        if (dataInit.enabled()) {
            int n = (int) Math.min(dataInit.examples(), train.count());
            // A streamed set may be in any order (sorted by label, say): take from across it.
            List<Example> examples = train.kept() ? train.head(n) : train.spread(n, seed);
            n = examples.size();
            int layers = DataDependentInit.apply(net, DataSets.toDataSet(examples, train.features(),
                    train.classes(), scaler).getFeatures());
            out.printf("normdrop: data-dependent initialization of %d weight-norm layer(s) from %,d examples%n", layers, n);
        }
        return net;
    }

    /** One line: what will be trained and tested, where, and how long reading took. */
    public String describe(int workers, String master) {
        return String.format(Locale.ROOT, "normdrop: training %,d examples (%,d features, %d classes%s), %stesting on %,d, "
                        + "%d workers on %s (data read and checked in %.1f s; %s)", train.count(), train.features(),
                train.classes(), scaler == null ? "" : ", " + scaler.kind().jobName(), validation == null ? ""
                        : String.format(Locale.ROOT, "validating on %,d%s, ", validation.count(),
                        data.validation().files() == null ? " held out" : ""), test.count(), workers, master,
                readSeconds, train.kept() ? "kept on the executors" : String.format(Locale.ROOT,
                        "%,d MiB of features, streamed from the files every epoch", train.featureBytes() >> 20));
    }

    public LoadedData train() {
        return train;
    }

    public LoadedData test() {
        return test;
    }

    /** The validation set; empty when the job has none. */
    public java.util.Optional<LoadedData> validation() {
        return java.util.Optional.ofNullable(validation);
    }

    /** The feature scaling fitted on the training data; null with {@code data.normalization = none}. */
    public FeatureScaler scaler() {
        return scaler;
    }

    /** The network's configuration (the output layer sized to the data's classes). */
    public MultiLayerConfiguration network() {
        return network;
    }

    public NetworkSummary summary() {
        return NetworkSummary.of(network);
    }

    /** Examples in each worker's shuffle buffer when the training set is streamed ({@code data.shuffleBuffer}). */
    int shuffleBuffer() {
        return data.shuffleBuffer();
    }

    /** Examples per minibatch DataSet ({@code data.batchSize}). */
    int batchSize() {
        return data.batchSize();
    }

    /** Frees the data kept on the executors. */
    @Override
    public void close() {
        train.release();
        test.release();
        if (validation != null) {
            validation.release();
        }
    }
}
