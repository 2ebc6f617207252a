package io.normdrop.bench;

import io.normdrop.config.JobConfig;
import io.normdrop.config.JobFiles;
import io.normdrop.config.SparkSettings;
import io.normdrop.data.IdxReader;
import io.normdrop.data.LabeledImages;
import io.normdrop.data.Minibatches;
import io.normdrop.job.SparkContexts;
import io.normdrop.metrics.EpochMetrics;
import io.normdrop.metrics.MetricsSink;
import io.normdrop.nn.NetworkFactory;
import io.normdrop.train.SparkTrainer;
import io.normdrop.train.TrainingInputs;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code deploy/bench.sh compare}: Normdrop on Spark local[2] against what a user would run
 * instead, on the same network, data and cores, one after the other in one JVM: (a) DL4J's
 * {@code MultiLayerNetwork.fit} over an iterator of the same prebuilt minibatches in one JVM,
 * (b) Normdrop with its resident master, (b10) averaging every 10, (b') Normdrop with
 * dl4j-spark's master, (c) dl4j-spark's {@code ParameterAveragingTrainingMaster} at its defaults,
 * (d) Spark MLlib's {@code MultilayerPerceptronClassifier}. Every run reports all its epochs and
 * its steady state (epochs 2..n: the first pays for JIT, native loading and caching alike on both
 * sides); (a) and (b) run twice, in the order a b b a, and their ratio is taken per pair.
 */
final class CompareBench {
    private static final PrintWriter SILENT = new PrintWriter(Writer.nullWriter());

    private CompareBench() {
    }

    /** A run's epochs: training seconds and test accuracy after each. */
    record Epochs(List<Double> seconds, List<Double> accuracy, long examples) {
        double allSeconds() {
            return seconds.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        }

        /** Mean over epochs 2..n; epoch 1 when there is only one. */
        double steadySeconds() {
            return seconds.stream().skip(seconds.size() > 1 ? 1 : 0).mapToDouble(Double::doubleValue).average().orElseThrow();
        }

        Map<String, Object> json() {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("secondsPerEpoch", seconds);
            r.put("accuracyPerEpoch", accuracy);
            r.put("samplesPerSecondAllEpochs", examples / allSeconds());
            r.put("samplesPerSecondSteady", examples / steadySeconds());
            r.put("testAccuracy", accuracy.get(accuracy.size() - 1));
            return r;
        }
    }

    static void compare(Map<String, Object> results, StringBuilder md) throws Exception {
        int epochs = Integer.getInteger("bench.epochs", 3);
        int mllibIterations = Integer.getInteger("bench.mllibIterations", 24);
        JobConfig config = JobFiles.load(Path.of("jobs/fashion-mnist.conf"), List.of("training.epochs=" + epochs,
                "output.dir=unused")).config();
        int defaultThreads = Nd4j.getEnvironment().maxThreads();
        double flops = trainingFlopsPerExample(784, 512, 256, 10);
        double sgemm = sgemmGflops(config.training().batchSizePerWorker());
        Map<String, Epochs> runs = new LinkedHashMap<>();
        List<Double> pairRatios = new ArrayList<>();
        Map<String, Object> mllib;
        double secondsToMllib;
        String toMllib;
        try (JavaSparkContext sc = new JavaSparkContext(SparkContexts.conf(
                new SparkSettings(null, "normdrop-bench", Map.of("spark.ui.enabled", "false")), "local[2]"))) {
            // a b b a: each variant once early and once late, so drift in the machine's speed cancels.
            Epochs a1 = singleMachine(config);
            Epochs b1 = normdrop(sc, config, defaultThreads, "resident");
            Epochs b2 = normdrop(sc, config, defaultThreads, "resident");
            Epochs a2 = singleMachine(config);
            pairRatios.add(a1.steadySeconds() / b1.steadySeconds());
            pairRatios.add(a2.steadySeconds() / b2.steadySeconds());
            runs.put("(a) one JVM, MultiLayerNetwork.fit(iterator), run 1", a1);
            runs.put("(a) one JVM, MultiLayerNetwork.fit(iterator), run 2", a2);
            runs.put("(b) Normdrop, resident master (the job's averaging every 20), run 1", b1);
            runs.put("(b) Normdrop, resident master (the job's averaging every 20), run 2", b2);
            runs.put("(b10) the same, averaging every 10", normdrop(sc, config, defaultThreads, "resident",
                    "training.averagingPeriod=10"));
            runs.put("(b') Normdrop with dl4j-spark's master (Normdrop's settings)", normdrop(sc, config, defaultThreads,
                    "parameter-averaging"));
            runs.put("(c) dl4j-spark ParameterAveragingTrainingMaster, defaults", dl4jDefaults(sc, config));
            mllib = mllib(sc, config, mllibIterations);
            // Time for (b) to reach MLlib's accuracy: one pass over the first part of the training
            // set, a larger part each attempt until one reaches it; every attempt's time counts.
            double target = (Double) mllib.get("testAccuracy");
            secondsToMllib = 0;
            toMllib = "not reached";
            for (int examples : new int[]{3_000, 6_000, 12_000, 30_000, 60_000}) {
                Epochs attempt = normdrop(sc, config, defaultThreads, "resident", "training.epochs=1",
                        "data.train.limit=" + examples);
                secondsToMllib += attempt.seconds().get(0);
                if (attempt.accuracy().get(0) >= target) {
                    toMllib = String.format("%.4f after one pass over %,d examples", attempt.accuracy().get(0), examples);
                    break;
                }
            }
        }
        Map<String, Object> json = new LinkedHashMap<>();
        runs.forEach((k, v) -> json.put(k, v.json()));
        json.put("(d) Spark MLlib MultilayerPerceptronClassifier", mllib);
        double ratio = Benchmarks.median(pairRatios);
        Epochs b = runs.get("(b) Normdrop, resident master (the job's averaging every 20), run 1");
        Epochs c = runs.get("(c) dl4j-spark ParameterAveragingTrainingMaster, defaults");
        double aAccuracy = (runs.get("(a) one JVM, MultiLayerNetwork.fit(iterator), run 1").accuracy().get(epochs - 1)
                + runs.get("(a) one JVM, MultiLayerNetwork.fit(iterator), run 2").accuracy().get(epochs - 1)) / 2;
        double bAccuracy = (b.accuracy().get(epochs - 1)
                + runs.get("(b) Normdrop, resident master (the job's averaging every 20), run 2").accuracy().get(epochs - 1)) / 2;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("network", "784-512-256-10 (jobs/fashion-mnist.conf: weight-norm hidden layers, keep 0.8), batch "
                + config.training().batchSizePerWorker() + ", Adam 1e-3, " + epochs + " epochs, Fashion-MNIST 60,000/10,000");
        r.put("sgemmGflops", sgemm);
        r.put("trainingFlopsPerExample", flops);
        r.put("runs", json);
        r.put("bOverASteadyPerPair", pairRatios);
        r.put("bOverASteady", ratio);
        r.put("bOverCSteady", c.steadySeconds() / b.steadySeconds());
        r.put("aMinusBAccuracy", aAccuracy - bAccuracy);
        r.put("bGflopsOverSgemm", b.examples() / b.steadySeconds() * flops / 1e9 / sgemm);
        r.put("mllibSecondsOverBSecondsToMllibAccuracy", (Double) mllib.get("trainSeconds") / secondsToMllib);
        results.put("compare", r);

        md.append("## Distributed vs one machine (").append(r.get("network")).append(")\n\n")
                .append("| run | samples/s, epochs 2-").append(epochs).append(" | samples/s, all epochs | s/epoch (training) ")
                .append("| test accuracy after ").append(epochs).append(" epochs |\n|---|---|---|---|---|\n");
        runs.forEach((k, v) -> md.append(String.format("| %s | %,.0f | %,.0f | %s | %.4f |%n", k,
                v.examples() / v.steadySeconds(), v.examples() / v.allSeconds(), seconds(v.seconds()),
                v.accuracy().get(v.accuracy().size() - 1))));
        md.append(String.format("| (d) Spark MLlib MLP, L-BFGS, %d iterations | %,.0f (per iteration) | | %.1f per iteration "
                        + "| %.4f (%.0f s) |%n%n", mllibIterations, (Double) mllib.get("samplesPerSecond"),
                (Double) mllib.get("secondsPerIteration"), (Double) mllib.get("testAccuracy"), (Double) mllib.get("trainSeconds")));
        md.append(String.format("- (b)/(a), steady state, per a-b pair: %s; **%.2f** (median); accuracy (a) - (b): %.4f%n",
                pairRatios.stream().map(x -> String.format("%.2f", x)).toList(), ratio, aAccuracy - bAccuracy));
        md.append(String.format("- (b)/(c), steady state: **%.1fx**%n", c.steadySeconds() / b.steadySeconds()));
        md.append(String.format("- ND4J sgemm %dx784 · 784x512: %.1f GFLOP/s; (b) in steady state: %.1f GFLOP/s effective "
                        + "(%.0f%%; %.2f MFLOP per training example)%n", config.training().batchSizePerWorker(), sgemm,
                b.examples() / b.steadySeconds() * flops / 1e9, 100 * (Double) r.get("bGflopsOverSgemm"), flops / 1e6));
        md.append(String.format("- MLlib reached %.4f in %.0f s of training; (b) reached %s, %.1f s of training counting "
                        + "every attempt: **%.0fx** sooner%n%n", (Double) mllib.get("testAccuracy"),
                (Double) mllib.get("trainSeconds"), toMllib, secondsToMllib, (Double) mllib.get("trainSeconds") / secondsToMllib));
    }

    private static String seconds(List<Double> seconds) {
        return String.join(" / ", seconds.stream().map(s -> String.format("%.1f", s)).toList());
    }

    /**
     * What a DL4J user without Spark runs: the job's network and {@code fit} over an iterator of
     * the same minibatches (pixels scaled to [0, 1], 64 examples each, built once and kept in
     * memory, reshuffled every epoch with a fixed seed), ND4J at its default threads.
     */
    static Epochs singleMachine(JobConfig job) {
        IdxReader reader = new IdxReader(new Configuration());
        LabeledImages train = reader.read(job.data().train(), 10);
        LabeledImages test = reader.read(job.data().test(), 10);
        List<DataSet> batches = new ArrayList<>(Minibatches.dataSets(train, job.training().batchSizePerWorker(), 10));
        List<DataSet> testBatches = Minibatches.dataSets(test, 500, 10);
        MultiLayerNetwork net = new MultiLayerNetwork(NetworkFactory.configuration(job.model(), job.training(), train.features()));
        net.init();
        List<Double> seconds = new ArrayList<>();
        List<Double> accuracy = new ArrayList<>();
        Random shuffle = new Random(job.training().seed());
        for (int epoch = 0; epoch < job.training().epochs(); epoch++) {
            Collections.shuffle(batches, shuffle);
            long t0 = System.nanoTime();
            net.fit(new ExistingDataSetIterator(batches));
            seconds.add((System.nanoTime() - t0) / 1e9);
            accuracy.add(accuracy(net, testBatches));
            System.out.printf("one JVM epoch %d: %.1f s, test acc %.4f%n", epoch + 1, seconds.get(epoch), accuracy.get(epoch));
        }
        return new Epochs(seconds, accuracy, train.count());
    }

    /** Test accuracy of {@code net} on prebuilt minibatches, in one JVM. */
    static double accuracy(MultiLayerNetwork net, List<DataSet> testBatches) {
        Evaluation eval = new Evaluation(10);
        for (DataSet b : testBatches) {
            eval.eval(b.getLabels(), net.output(b.getFeatures()));
        }
        return eval.accuracy();
    }

    /** Normdrop's trainer with the given master on the job's data, as {@code train} prepares it. */
    static Epochs normdrop(JavaSparkContext sc, JobConfig base, int defaultThreads, String master, String... overrides) {
        List<String> all = new ArrayList<>(List.of("training.epochs=" + base.training().epochs(), "output.dir=unused",
                "training.master=" + master));
        all.addAll(List.of(overrides));
        JobConfig c = JobFiles.load(Path.of("jobs/fashion-mnist.conf"), all).config();
        try (TrainingInputs inputs = TrainingInputs.prepare(sc, c, SILENT)) {
            SparkTrainer.Result result = new SparkTrainer(sc, c.training(), false)
                    .fit(inputs.initialNetwork(c.model().dataInit(), SILENT), inputs, MetricsSink.all());
            System.out.printf("Normdrop %s %s: %s s/epoch, accuracy %s%n", master, List.of(overrides),
                    seconds(result.epochs().stream().map(EpochMetrics::trainSeconds).toList()),
                    result.epochs().stream().map(EpochMetrics::testAccuracy).toList());
            return new Epochs(result.epochs().stream().map(EpochMetrics::trainSeconds).toList(),
                    result.epochs().stream().map(EpochMetrics::testAccuracy).toList(), inputs.train().count());
        } finally {
            // The resident master sets ND4J's threads per worker in this JVM (local mode): undo it.
            Nd4j.getEnvironment().setMaxThreads(defaultThreads);
            Nd4j.getEnvironment().setMaxMasterThreads(defaultThreads);
            Nd4j.factory().blas().setMaxThreads(defaultThreads);
        }
    }

    /**
     * dl4j-spark's master as a user would start with it: workers and record size given, everything
     * else default; its minibatch RDD cached and materialized before the first epoch is timed, as
     * Normdrop's data is.
     */
    static Epochs dl4jDefaults(JavaSparkContext sc, JobConfig c) {
        IdxReader reader = new IdxReader(sc.hadoopConfiguration());
        LabeledImages train = reader.read(c.data().train(), 10);
        LabeledImages test = reader.read(c.data().test(), 10);
        int batch = c.training().batchSizePerWorker();
        JavaRDD<DataSet> trainRdd = Minibatches.rdd(sc, train, batch, 10, 2).cache();
        JavaRDD<DataSet> testRdd = Minibatches.rdd(sc, test, 500, 10, 2).cache();
        trainRdd.count();
        testRdd.count();
        ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(2, batch)
                .batchSizePerWorker(batch).build();
        MultiLayerNetwork net = new MultiLayerNetwork(NetworkFactory.configuration(c.model(), c.training(), 784));
        net.init();
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, net, master);
        List<Double> seconds = new ArrayList<>();
        List<Double> accuracy = new ArrayList<>();
        for (int e = 0; e < c.training().epochs(); e++) {
            long t0 = System.nanoTime();
            spark.fit(trainRdd);
            seconds.add((System.nanoTime() - t0) / 1e9);
            accuracy.add(new SparkDl4jMultiLayer(sc, spark.getNetwork().clone(), master).evaluate(testRdd).accuracy());
            System.out.printf("dl4j-spark defaults epoch %d: %.1f s, accuracy %.4f%n", e + 1, seconds.get(e), accuracy.get(e));
        }
        master.deleteTempFiles(sc);
        trainRdd.unpersist();
        testRdd.unpersist();
        return new Epochs(seconds, accuracy, train.count());
    }

    /** Spark MLlib's MLP on the same pixels (scaled to [0, 1]), L-BFGS for a fixed number of iterations. */
    static Map<String, Object> mllib(JavaSparkContext sc, JobConfig c, int iterations) {
        IdxReader reader = new IdxReader(sc.hadoopConfiguration());
        var spark = org.apache.spark.sql.SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
        var schema = new org.apache.spark.sql.types.StructType().add("label", org.apache.spark.sql.types.DataTypes.DoubleType)
                .add("features", new org.apache.spark.ml.linalg.VectorUDT());
        List<org.apache.spark.sql.Dataset<org.apache.spark.sql.Row>> frames = new ArrayList<>();
        for (var source : List.of(c.data().train(), c.data().test())) {
            LabeledImages d = reader.read(source, 10);
            List<org.apache.spark.sql.Row> rows = new ArrayList<>();
            for (int i = 0; i < d.count(); i++) {
                double[] x = new double[784];
                for (int j = 0; j < 784; j++) {
                    x[j] = (d.pixels()[i * 784 + j] & 0xFF) / 255.0;
                }
                rows.add(org.apache.spark.sql.RowFactory.create((double) d.label(i), org.apache.spark.ml.linalg.Vectors.dense(x)));
            }
            frames.add(spark.createDataFrame(rows, schema).repartition(2).cache());
        }
        frames.forEach(f -> f.count());
        var mlp = new org.apache.spark.ml.classification.MultilayerPerceptronClassifier().setLayers(new int[]{784, 512, 256, 10})
                .setBlockSize(128).setMaxIter(iterations).setSeed(c.training().seed());
        long t0 = System.nanoTime();
        var model = mlp.fit(frames.get(0));
        double seconds = (System.nanoTime() - t0) / 1e9;
        double accuracy = new org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator().setMetricName("accuracy")
                .evaluate(model.transform(frames.get(1)));
        frames.forEach(f -> f.unpersist());
        System.out.printf("MLlib MLP: %d iterations in %.0f s, accuracy %.4f%n", iterations, seconds, accuracy);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("testAccuracy", accuracy);
        r.put("trainSeconds", seconds);
        r.put("iterations", iterations);
        r.put("secondsPerIteration", seconds / iterations);
        r.put("samplesPerSecond", 60_000.0 * iterations / seconds);
        return r;
    }

    /** Training FLOPs per example of an MLP: forward 2·nIn·nOut per layer, backward twice that. */
    static double trainingFlopsPerExample(int... widths) {
        double weights = 0;
        for (int i = 0; i + 1 < widths.length; i++) {
            weights += (double) widths[i] * widths[i + 1];
        }
        return 6 * weights;
    }

    /** ND4J sgemm GFLOP/s at the first layer's training shape (batch x 784 times 784 x 512). */
    static double sgemmGflops(int batch) {
        var a = Nd4j.rand(DataType.FLOAT, batch, 784);
        var b = Nd4j.rand(DataType.FLOAT, 784, 512);
        for (int i = 0; i < 200; i++) {
            Nd4j.gemm(a, b, false, false);
        }
        int iters = 2000;
        long t0 = System.nanoTime();
        for (int i = 0; i < iters; i++) {
            Nd4j.gemm(a, b, false, false);
        }
        return 2.0 * batch * 784 * 512 * iters / ((System.nanoTime() - t0) / 1e9) / 1e9;
    }
}
