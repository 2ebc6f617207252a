package io.normdrop.train;

import io.normdrop.config.ImageShape;
import io.normdrop.config.JobConfig;
import io.normdrop.config.JobFiles;
import io.normdrop.config.TrainingConfig;
import io.normdrop.data.IdxReader;
import io.normdrop.data.LabeledImages;
import io.normdrop.data.Minibatches;
import io.normdrop.metrics.MetricsSink;
import io.normdrop.nn.NetworkFactory;
import io.normdrop.testing.LocalSpark;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With one worker, parameter averaging is the identity: Spark training must end with the
 * parameters of {@code MultiLayerNetwork.fit} on the same minibatches in the same order.
 * Two epochs, so Adam's state must also survive from one averaging round to the next.
 */
@ExtendWith(LocalSpark.class)
class SparkVsSingleMachineIT {
    static final int BATCH = 32;
    static final int EXAMPLES = 640;

    /** A small conv net on the quickstart's 28 × 28 images: weight-norm and plain convolutions, pooling. */
    static final String CONV = "model.layers=[{ type = weightnorm-conv2d, channels = 4, kernel = [5, 5], stride = [2, 2] },"
            + "{ type = subsampling }, { type = conv2d, channels = 6, mode = same }, { type = weightnorm-output, units = 10 }]";
    /** The learning rate falls tenfold after the first epoch: equal parameters need the epoch count on the workers. */
    static final String STEP = "training.updater.schedule={ type = step, decay = 0.1, every = 1 }";

    @ParameterizedTest(name = "{0} {1} {2} {3}")
    @CsvSource({"sgd, direct, allreduce, mlp", "adam, direct, allreduce, mlp", "sgd, direct, resident, mlp",
            "adam, direct, resident, mlp", "sgd, direct, parameter-averaging, mlp",
            "adam, direct, parameter-averaging, mlp", "adam, export, parameter-averaging, mlp",
            "adam, direct, allreduce, conv", "adam, direct, resident, conv", "adam, direct, parameter-averaging, conv",
            "adam, direct, allreduce, step", "adam, direct, resident, step", "adam, direct, parameter-averaging, step"})
    void oneWorkerEqualsSingleMachine(String updater, String approach, String master, String model, JavaSparkContext sc) {
        List<String> sets = new ArrayList<>(List.of(
                "training.updater.type=" + updater, "training.updater.learningRate=0.01",
                "training.workers=1", "training.epochs=2", "training.approach=" + approach, "training.master=" + master,
                "data.batchSize=" + BATCH, "training.batchSizePerWorker=" + BATCH,
                // one averaging round covers the epoch, so dl4j-spark does not re-split the data
                "training.averagingPeriod=" + (EXAMPLES / BATCH),
                "data.train.limit=" + EXAMPLES));
        if (model.equals("conv")) {
            sets.add(CONV);
        } else {
            // no dropout: its masks come from different random streams on the worker
            sets.addAll(List.of("model.layers[1].dropout={ keep = 1 }", "model.layers[2].dropout={ keep = 1 }"));
        }
        if (model.equals("step")) {
            sets.add(STEP);
        }
        JobConfig job = JobFiles.load(Path.of("jobs/quickstart.conf"), sets).config();
        TrainingConfig training = job.training();
        LabeledImages data = new IdxReader(sc.hadoopConfiguration()).read(job.data().train(), 10);
        MultiLayerConfiguration conf = NetworkFactory.configuration(job.model(), training,
                new ImageShape(1, data.rows(), data.cols()));

        // DL4J's own training: fit over the epoch's minibatches, which also counts the epochs.
        MultiLayerNetwork single = new MultiLayerNetwork(conf.clone());
        single.init();
        List<DataSet> batches = Minibatches.dataSets(data, BATCH, 10);
        for (int epoch = 0; epoch < training.epochs(); epoch++) {
            single.fit(new ExistingDataSetIterator(batches));
        }

        SparkTrainer trainer = new SparkTrainer(sc, training, true);
        MultiLayerNetwork start = new MultiLayerNetwork(conf.clone());
        start.init();
        SparkTrainer.Result result = trainer.fit(start,
                new FixedEpochs(Minibatches.rdd(sc, data, BATCH, 10, 1), BATCH, new long[]{EXAMPLES}),
                Minibatches.rdd(sc, data, BATCH, 10, 1), MetricsSink.all(), SparkTrainer.Start.FRESH,
                SparkTrainer.EpochEnd.NONE);

        INDArray expected = single.params();
        INDArray actual = result.network().params();
        double maxDiff = expected.sub(actual).amaxNumber().doubleValue();
        double moved = expected.sub(new MultiLayerNetwork(conf.clone()) {{
            init();
        }}.params()).amaxNumber().doubleValue();
        assertTrue(moved > 1e-2, "training moved the parameters (max change " + moved + ")");
        assertTrue(maxDiff < 1e-5, updater + "/" + approach + "/" + master + "/" + model
                + ": max parameter difference " + maxDiff);
        assertEquals(2, result.epochs().size());
    }

    /**
     * Two workers that average after every minibatch of SGD take the step of one JVM on both
     * minibatches at once (the mean of two mean gradients), here for the conv net: the resident
     * and allreduce masters on two workers against DL4J's fit with minibatches twice the size.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"resident", "allreduce"})
    void twoWorkersAveragingEveryStepEqualOneJvmOnTheConvNet(String master, JavaSparkContext sc) {
        int steps = 6;
        List<String> sets = List.of(CONV, "training.updater.type=sgd", "training.updater.learningRate=0.05",
                "training.master=" + master, "training.workers=2", "training.epochs=2", "training.averagingPeriod=1",
                "data.batchSize=" + BATCH, "training.batchSizePerWorker=" + BATCH, "data.train.limit=" + (2 * steps * BATCH));
        JobConfig job = JobFiles.load(Path.of("jobs/quickstart.conf"), sets).config();
        LabeledImages data = new IdxReader(sc.hadoopConfiguration()).read(job.data().train(), 10);
        MultiLayerConfiguration conf = NetworkFactory.configuration(job.model(), job.training(),
                new ImageShape(1, data.rows(), data.cols()));
        List<DataSet> batches = Minibatches.dataSets(data, BATCH, 10);

        MultiLayerNetwork single = new MultiLayerNetwork(conf.clone());
        single.init();
        List<DataSet> pairs = new ArrayList<>();
        for (int r = 0; r < steps; r++) {
            pairs.add(DataSet.merge(List.of(batches.get(2 * r), batches.get(2 * r + 1))));
        }
        for (int epoch = 0; epoch < 2; epoch++) {
            single.fit(new ExistingDataSetIterator(pairs));
        }

        // Worker 0 fits the even minibatches, worker 1 the odd ones, one of each per round.
        List<DataSet> byWorker = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            for (int r = 0; r < steps; r++) {
                byWorker.add(batches.get(2 * r + w));
            }
        }
        long part = BATCH;
        long[] rounds = new long[2 * steps];
        Arrays.fill(rounds, part);
        FixedEpochs epochs = master.equals("allreduce")
                ? new FixedEpochs(sc.parallelize(byWorker, 2), BATCH, new long[]{steps * part, steps * part})
                : new FixedEpochs(sc.parallelize(batches, 2 * steps), BATCH, rounds);
        MultiLayerNetwork start = new MultiLayerNetwork(conf.clone());
        start.init();
        INDArray initial = start.params().dup();
        SparkTrainer.Result result = new SparkTrainer(sc, job.training(), true).fit(start, epochs, epochs.batches(),
                MetricsSink.all(), SparkTrainer.Start.FRESH, SparkTrainer.EpochEnd.NONE);
        assertEquals(steps, result.epochs().get(1).rounds(), master);
        double maxDiff = single.params().sub(result.network().params()).amaxNumber().doubleValue();
        double moved = single.params().sub(initial).amaxNumber().doubleValue();
        assertTrue(moved > 1e-2, "training moved the parameters (max change " + moved + ")");
        assertTrue(maxDiff < 1e-5, master + ": max parameter difference " + maxDiff);
    }

    /**
     * Normdrop's resident master against dl4j-spark's own on two workers: the same rounds of the
     * same minibatches, parameters and Adam state averaged the same way, so the same parameters.
     */
    @org.junit.jupiter.api.Test
    void residentMasterEqualsDl4jsParameterAveragingOnTwoWorkers(JavaSparkContext sc) {
        float[] resident = twoWorkers(sc, "resident");
        float[] dl4j = twoWorkers(sc, "parameter-averaging");
        double maxDiff = 0;
        for (int i = 0; i < resident.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(resident[i] - dl4j[i]));
        }
        assertTrue(maxDiff < 1e-5, "max parameter difference " + maxDiff);
    }

    /**
     * The allreduce master (workers averaging among themselves through the block managers, one
     * barrier stage per epoch) against the resident master (the driver averages after each round):
     * the same three rounds of the same minibatches on two workers, two epochs of Adam, so the
     * same parameters. Worker {@code w}'s shard is its partitions of the resident master's rounds.
     */
    @org.junit.jupiter.api.Test
    void allReduceEqualsTheDriversAverageOnTwoWorkers(JavaSparkContext sc) {
        int frequency = 4;
        int rounds = 3;
        List<String> sets = List.of("training.workers=2", "training.epochs=2",
                "training.averagingPeriod=" + frequency, "data.batchSize=" + BATCH,
                "training.batchSizePerWorker=" + BATCH, "training.updater.type=adam",
                "model.layers[1].dropout={ keep = 1 }", "model.layers[2].dropout={ keep = 1 }",
                "data.train.limit=" + (2 * rounds * frequency * BATCH));
        JobConfig job = JobFiles.load(Path.of("jobs/quickstart.conf"), sets).config();
        LabeledImages data = new IdxReader(sc.hadoopConfiguration()).read(job.data().train(), 10);
        List<DataSet> batches = Minibatches.dataSets(data, BATCH, 10);
        assertEquals(2 * rounds * frequency, batches.size());
        // Round-major for the resident master: round r is partitions 2r (worker 0) and 2r + 1.
        JavaRDD<DataSet> byRound = sc.parallelize(batches, 2 * rounds);
        List<DataSet> byWorker = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            for (int r = 0; r < rounds; r++) {
                byWorker.addAll(batches.subList((2 * r + w) * frequency, (2 * r + w + 1) * frequency));
            }
        }
        long share = (long) rounds * frequency * BATCH;
        long part = (long) frequency * BATCH;
        float[] resident = train(sc, sets, "resident", new FixedEpochs(byRound, BATCH,
                new long[]{part, part, part, part, part, part}));
        float[] allReduce = train(sc, sets, "allreduce", new FixedEpochs(sc.parallelize(byWorker, 2), BATCH,
                new long[]{share, share}));
        double maxDiff = 0;
        for (int i = 0; i < resident.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(resident[i] - allReduce[i]));
        }
        assertTrue(maxDiff < 1e-5, "max parameter difference " + maxDiff);
    }

    private static float[] train(JavaSparkContext sc, List<String> sets, String master, FixedEpochs epochs) {
        List<String> all = new ArrayList<>(sets);
        all.add("training.master=" + master);
        JobConfig with = JobFiles.load(Path.of("jobs/quickstart.conf"), all).config();
        MultiLayerConfiguration conf = NetworkFactory.configuration(with.model(), with.training(), 784);
        MultiLayerNetwork network = new MultiLayerNetwork(conf);
        network.init();
        SparkTrainer.Result result = new SparkTrainer(sc, with.training(), true).fit(network, epochs,
                epochs.batches(), MetricsSink.all(), SparkTrainer.Start.FRESH, SparkTrainer.EpochEnd.NONE);
        assertEquals(3, result.epochs().get(1).rounds(), master);
        return result.network().params().dup().reshape(result.network().numParams()).toFloatVector();
    }

    private static float[] twoWorkers(JavaSparkContext sc, String master) {
        JobConfig job = JobFiles.load(Path.of("jobs/quickstart.conf"), List.of("training.master=" + master,
                "training.workers=2", "training.epochs=2", "training.averagingPeriod=4",
                "model.layers[1].dropout={ keep = 1 }", "model.layers[2].dropout={ keep = 1 }",
                "data.train.limit=1280", "data.test.limit=200")).config();
        SparkTrainer trainer = new SparkTrainer(sc, job.training(), true);
        SparkTrainer.Result result;
        try (TrainingInputs inputs = TrainingInputs.prepare(sc, job, new java.io.PrintWriter(java.io.Writer.nullWriter()))) {
            MultiLayerNetwork network = new MultiLayerNetwork(NetworkFactory.configuration(job.model(), job.training(), 784));
            network.init();
            result = trainer.fit(network, inputs, MetricsSink.all());
        }
        assertEquals(3, result.epochs().get(0).rounds(), "1,280 examples in rounds of 2 x 64 x 4 = 512");
        return result.network().params().dup().reshape(result.network().numParams()).toFloatVector();
    }
}
