package io.normdrop.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.normdrop.config.JobConfig;
import io.normdrop.config.JobFiles;
import io.normdrop.config.LoadedJob;
import io.normdrop.config.SparkSettings;
import io.normdrop.data.IdxReader;
import io.normdrop.data.LabeledImages;
import io.normdrop.train.TrainingInputs;
import io.normdrop.data.Minibatches;
import io.normdrop.job.SparkContexts;
import io.normdrop.metrics.MetricsSink;
import io.normdrop.train.SparkTrainer;
import io.normdrop.metrics.EpochMetrics;
import io.normdrop.metrics.PrometheusMetrics;
import io.normdrop.metrics.MetricsFiles;
import io.normdrop.metrics.HtmlReport;
import io.normdrop.nn.NetworkDiagnostics;
import io.normdrop.job.TrainJob;
import io.normdrop.nn.NetworkFactory;
import io.normdrop.nn.WeightNormDense;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Normdrop's benchmarks, run by {@code deploy/bench.sh}; results go to {@code OUT/bench.json}
 * and {@code OUT/bench.md}. Timings are ratios of variants measured interleaved in one process
 * (this machine is noisy), never absolute targets.
 *
 * <ul>
 *   <li>{@code step}: one training step (forward + backward + Adam update), batch 64, a 784→512
 *       relu layer under a 512→10 softmax output: weight-norm dense vs DenseLayer, and DL4J
 *       {@code dropOut(1.0)} vs Normdrop's elided keep = 1 (no dropout built).</li>
 *   <li>{@code fashion}: jobs/fashion-mnist.conf on Spark local[2] (weight-norm hidden layers,
 *       keep 0.8), the same network with DenseLayers on Spark, and the weight-norm network
 *       trained by {@code MultiLayerNetwork.fit} in one JVM on the same minibatches.</li>
 *   <li>{@code metrics}: what the metrics module costs. The quickstart job on Spark local[2] as
 *       {@code train} runs it (dl4j-spark training statistics, the Spark listener, the recorder)
 *       against the bare trainer with no collection at all, alternating; the epoch time ratio,
 *       and the end-of-run cost of diagnostics and rendering every file.</li>
 * </ul>
 */
public final class Benchmarks {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Benchmarks() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 1 ? args[1] : "target/bench");
        String which = args.length > 0 ? args[0] : "step";
        Files.createDirectories(out);
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("machine", Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.arch")
                + ", Java " + System.getProperty("java.version"));
        StringBuilder md = new StringBuilder("# Normdrop benchmarks\n\nMachine: " + results.get("machine") + "\n\n");
        if (which.equals("step") || which.equals("all")) {
            step(results, md);
        }
        if (which.equals("metrics") || which.equals("all")) {
            metrics(results, md);
        }
        if (which.equals("fashion") || which.equals("all")) {
            fashion(results, md);
        }
        if (which.equals("profile")) {
            try (JavaSparkContext sc = new JavaSparkContext(SparkContexts.conf(
                    new SparkSettings(null, "normdrop-bench", Map.of("spark.ui.enabled", "false")), "local[2]"))) {
                JobConfig c = JobFiles.load(Path.of("jobs/fashion-mnist.conf"), List.of("training.epochs="
                        + Integer.getInteger("bench.epochs", 1), "output.dir=unused")).config();
                results.put("profile", trainer(sc, c, System.getProperty("bench.master", "resident")));
                md.append(results.get("profile")).append("\n");
            }
        }
        if (which.equals("compare")) {
            compare(results, md);
            step(results, md);
        }
        Files.writeString(out.resolve("bench.json"), JSON.writeValueAsString(results));
        Files.writeString(out.resolve("bench.md"), md.toString());
        System.out.println(md);
        System.out.println("results: " + out.resolve("bench.json") + ", " + out.resolve("bench.md"));
    }

    // ---- one training step -----------------------------------------------------------------

    static MultiLayerNetwork stepNetwork(FeedForwardLayer.Builder<?> hidden) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .updater(new Adam(1e-3)).list()
                .layer(hidden.nIn(784).nOut(512).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(512).nOut(10).activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }

    static void step(Map<String, Object> results, StringBuilder md) {
        Nd4j.getRandom().setSeed(1);
        DataSet batch = new DataSet(Nd4j.rand(DataType.FLOAT, 64, 784), Nd4j.zeros(DataType.FLOAT, 64, 10));
        for (int i = 0; i < 64; i++) {
            batch.getLabels().putScalar(i, i % 10, 1);
        }
        Map<String, Supplier<MultiLayerNetwork>> variants = new LinkedHashMap<>();
        variants.put("DenseLayer", () -> stepNetwork(new DenseLayer.Builder()));
        variants.put("WeightNormDense", () -> stepNetwork(new WeightNormDense.Builder()));
        variants.put("DenseLayer + DL4J dropOut(1.0)", () -> stepNetwork(new DenseLayer.Builder().dropOut(1.0)));
        Map<String, MultiLayerNetwork> nets = new LinkedHashMap<>();
        variants.forEach((k, v) -> nets.put(k, v.get()));
        int stepsPerBlock = 20;
        int blocks = 45;
        for (MultiLayerNetwork net : nets.values()) {
            for (int i = 0; i < 100; i++) {
                net.fit(batch); // warm-up: JIT, workspaces
            }
        }
        Map<String, List<Double>> perStepMs = new LinkedHashMap<>();
        nets.keySet().forEach(k -> perStepMs.put(k, new ArrayList<>()));
        List<Map.Entry<String, MultiLayerNetwork>> order = new ArrayList<>(nets.entrySet());
        for (int b = 0; b < blocks; b++) {
            // Rotate which variant runs first, so no variant always follows the same one.
            java.util.Collections.rotate(order, 1);
            for (Map.Entry<String, MultiLayerNetwork> e : order) {
                long t0 = System.nanoTime();
                for (int i = 0; i < stepsPerBlock; i++) {
                    e.getValue().fit(batch);
                }
                perStepMs.get(e.getKey()).add((System.nanoTime() - t0) / 1e6 / stepsPerBlock);
            }
        }
        Map<String, Double> median = new LinkedHashMap<>();
        perStepMs.forEach((k, v) -> median.put(k, median(v)));
        double wnRatio = medianRatio(perStepMs.get("WeightNormDense"), perStepMs.get("DenseLayer"));
        double dropoutRatio = medianRatio(perStepMs.get("DenseLayer + DL4J dropOut(1.0)"), perStepMs.get("DenseLayer"));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("shape", "batch 64, 784->512 relu, 512->10 softmax, Adam");
        r.put("blocks", blocks);
        r.put("stepsPerBlock", stepsPerBlock);
        r.put("medianMsPerStep", median);
        r.put("weightNormOverDense", wnRatio);
        r.put("dl4jDropOut1OverElidedKeep1", dropoutRatio);
        results.put("step", r);
        md.append("## One training step (batch 64, 784→512 relu + 512→10 softmax, Adam)\n\n")
                .append("Interleaved blocks: ").append(blocks).append(" x ").append(stepsPerBlock).append(" steps per variant.\n\n")
                .append("| variant | median ms/step |\n|---|---|\n");
        median.forEach((k, v) -> md.append(String.format("| %s | %.3f |%n", k, v)));
        md.append(String.format("%n- weight-norm dense / DenseLayer: **%.3fx** (median of per-block ratios; ratio of the medians %.3fx; goal <= 1.10x)%n",
                wnRatio, median.get("WeightNormDense") / median.get("DenseLayer")));
        md.append(String.format("- DL4J dropOut(1.0) / Normdrop keep = 1 (no dropout built): **%.3fx** (ratio of the medians %.3fx)%n%n",
                dropoutRatio, median.get("DenseLayer + DL4J dropOut(1.0)") / median.get("DenseLayer")));
    }

    /** Median over blocks of the per-block ratio: the blocks of a round ran back to back, so each ratio shares the machine's state. */
    static double medianRatio(List<Double> a, List<Double> b) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            ratios.add(a.get(i) / b.get(i));
        }
        return median(ratios);
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    // ---- metrics overhead -------------------------------------------------------------------

    static void metrics(Map<String, Object> results, StringBuilder md) throws Exception {
        Path job = Path.of("jobs/quickstart.conf");
        Path tmp = Files.createTempDirectory("normdrop-bench");
        int pairs = 6;
        int epochs = 4;
        List<Double> full = new ArrayList<>();
        List<Double> bare = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        List<Double> endOfRunMs = new ArrayList<>();
        try (JavaSparkContext sc = new JavaSparkContext(SparkContexts.conf(
                new SparkSettings(null, "normdrop-bench", Map.of("spark.ui.enabled", "false")), "local[2]"))) {
            // Warm-up, not counted: the first training in a JVM pays for JIT and native loading.
            bareEpochSeconds(sc, JobFiles.load(job, List.of("training.epochs=2", "output.dir=unused")).config());
            for (int pair = 0; pair < pairs; pair++) {
                double f = 0;
                double b = 0;
                // Alternate which variant goes first.
                for (int v = 0; v < 2; v++) {
                    boolean collect = (pair + v) % 2 == 0;
                    LoadedJob loaded = JobFiles.load(job, List.of("training.epochs=" + epochs,
                            "output.dir=\"" + tmp.resolve("run-" + pair + "-" + v) + "\""));
                    double seconds;
                    if (collect) {
                        TrainJob.Outcome o = new TrainJob(loaded, false).run(sc, new PrintWriter(new StringWriter(), true));
                        seconds = epochSeconds(o.epochs());
                        long t0 = System.nanoTime();
                        NetworkDiagnostics.of(o.network());
                        HtmlReport.render(o.metrics());
                        MetricsFiles.json(o.metrics());
                        MetricsFiles.csv(o.metrics());
                        PrometheusMetrics.of(o.metrics(), 0).text();
                        endOfRunMs.add((System.nanoTime() - t0) / 1e6);
                        f = seconds;
                    } else {
                        seconds = bareEpochSeconds(sc, loaded.config());
                        b = seconds;
                    }
                    (collect ? full : bare).add(seconds);
                    System.out.printf("metrics bench pair %d: %s %.3f s/epoch%n", pair + 1, collect ? "full" : "bare", seconds);
                }
                ratios.add(f / b);
            }
        }
        double ratio = median(ratios);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("job", "jobs/quickstart.conf, " + epochs + " epochs (the first left out), local[2]");
        r.put("secondsPerEpochFull", full);
        r.put("secondsPerEpochBare", bare);
        r.put("fullOverBare", ratio);
        r.put("endOfRunMs", endOfRunMs);
        results.put("metrics", r);
        md.append("## Metrics overhead (jobs/quickstart.conf, local[2], epochs 2-").append(epochs).append(")\n\n")
                .append("| pair | full collection s/epoch | bare trainer s/epoch | ratio |\n|---|---|---|---|\n");
        for (int i = 0; i < pairs; i++) {
            md.append(String.format("| %d | %.3f | %.3f | %.3f |%n", i + 1, full.get(i), bare.get(i), ratios.get(i)));
        }
        md.append(String.format("%n- full / bare epoch time (training + evaluation): **%.3fx** (median of %d alternating pairs, after a "
                        + "warm-up run; mean %.3fx; goal < 1.03x)%n", ratio, pairs,
                ratios.stream().mapToDouble(Double::doubleValue).average().orElseThrow()));
        md.append(String.format("- end of run (diagnostics, metrics.json, epochs.csv, report.html, metrics.prom): median %.0f ms, once per run%n%n",
                median(endOfRunMs)));
    }

    /** Mean training + evaluation seconds per epoch, leaving out the first (caching, JIT). */
    static double epochSeconds(List<EpochMetrics> epochs) {
        return epochs.stream().skip(1).mapToDouble(m -> m.trainSeconds() + m.evalSeconds()).average().orElseThrow();
    }

    /** The same job through the bare trainer: no statistics, no listener, no sink. */
    static double bareEpochSeconds(JavaSparkContext sc, JobConfig c) {
        SparkTrainer trainer = new SparkTrainer(sc, c.training(), false);
        SparkTrainer.Result result;
        try (TrainingInputs inputs = TrainingInputs.prepare(sc, c, new PrintWriter(java.io.Writer.nullWriter()))) {
            result = trainer.fit(inputs.initialNetwork(c.model().dataInit(), new PrintWriter(java.io.Writer.nullWriter())),
                    inputs, MetricsSink.all());
        }
        return epochSeconds(result.epochs());
    }

    // ---- full Fashion-MNIST ------------------------------------------------------------------

    static void fashion(Map<String, Object> results, StringBuilder md) throws Exception {
        Path job = Path.of("jobs/fashion-mnist.conf");
        Path tmp = Files.createTempDirectory("normdrop-bench");
        Map<String, Object> runs = new LinkedHashMap<>();
        try (JavaSparkContext sc = new JavaSparkContext(SparkContexts.conf(
                new SparkSettings(null, "normdrop-bench", Map.of("spark.ui.enabled", "false")), "local[2]"))) {
            runs.put("spark-weightnorm", spark(sc, job, tmp.resolve("wn"), List.of()));
            runs.put("spark-dense", spark(sc, job, tmp.resolve("dense"),
                    List.of("model.layers[0].type=dense", "model.layers[1].type=dense")));
        }
        JobConfig config = JobFiles.load(job, List.of()).config();
        runs.put("single-jvm-weightnorm", singleMachine(config));
        results.put("fashion", runs);
        md.append("## Fashion-MNIST, jobs/fashion-mnist.conf (784-512-256-10, keep 0.8, ")
                .append(config.training().epochs()).append(" epochs; Spark: local[2], averaging every ")
                .append(config.training().averagingFrequency()).append(" minibatches)\n\n")
                .append("| run | test accuracy (last epoch) | best epoch | s/epoch (training) | samples/s |\n|---|---|---|---|---|\n");
        for (Map.Entry<String, Object> e : runs.entrySet()) {
            @SuppressWarnings("unchecked") Map<String, Object> r = (Map<String, Object>) e.getValue();
            @SuppressWarnings("unchecked") List<Double> perEpoch = (List<Double>) r.get("accuracyPerEpoch");
            md.append(String.format("| %s | %.4f | %.4f | %.1f | %,.0f |%n", e.getKey(), (Double) r.get("testAccuracy"),
                    perEpoch.stream().mapToDouble(Double::doubleValue).max().orElse(0), (Double) r.get("secondsPerEpoch"),
                    (Double) r.get("samplesPerSecond")));
        }
        md.append("\n");
    }

    static Map<String, Object> spark(JavaSparkContext sc, Path job, Path out, List<String> overrides) throws Exception {
        List<String> all = new ArrayList<>(overrides);
        all.add("output.dir=\"" + out + "\"");
        LoadedJob loaded = JobFiles.load(job, all);
        StringWriter console = new StringWriter();
        TrainJob.Outcome outcome = new TrainJob(loaded, false).run(sc, new PrintWriter(console, true));
        double seconds = outcome.epochs().stream().mapToDouble(m -> m.trainSeconds()).sum() / outcome.epochs().size();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("testAccuracy", outcome.testAccuracy());
        r.put("secondsPerEpoch", seconds);
        r.put("samplesPerSecond", outcome.epochs().get(0).trainExamples() / seconds);
        r.put("accuracyPerEpoch", outcome.epochs().stream().map(m -> m.testAccuracy()).toList());
        System.out.print(console);
        return r;
    }

    static Map<String, Object> singleMachine(JobConfig job) {
        IdxReader reader = new IdxReader(new Configuration());
        LabeledImages train = reader.read(job.data().train(), 10);
        LabeledImages test = reader.read(job.data().test(), 10);
        List<DataSet> batches = new ArrayList<>(Minibatches.dataSets(train, job.training().batchSizePerWorker(), 10));
        List<DataSet> testBatches = Minibatches.dataSets(test, 500, 10);
        MultiLayerNetwork net = new MultiLayerNetwork(NetworkFactory.configuration(job.model(), job.training(), train.features()));
        net.init();
        double trainSeconds = 0;
        List<Double> accuracy = new ArrayList<>();
        Random shuffle = new Random(job.training().seed());
        for (int epoch = 0; epoch < job.training().epochs(); epoch++) {
            java.util.Collections.shuffle(batches, shuffle);
            long t0 = System.nanoTime();
            for (DataSet b : batches) {
                net.fit(b);
            }
            trainSeconds += (System.nanoTime() - t0) / 1e9;
            Evaluation eval = new Evaluation(10);
            for (DataSet b : testBatches) {
                eval.eval(b.getLabels(), net.output(b.getFeatures()));
            }
            accuracy.add(eval.accuracy());
            System.out.printf("single JVM epoch %d: test acc %.4f%n", epoch + 1, eval.accuracy());
        }
        Map<String, Object> r = new LinkedHashMap<>();
        double perEpoch = trainSeconds / job.training().epochs();
        r.put("testAccuracy", accuracy.get(accuracy.size() - 1));
        r.put("secondsPerEpoch", perEpoch);
        r.put("samplesPerSecond", train.count() / perEpoch);
        r.put("accuracyPerEpoch", accuracy);
        return r;
    }

    // ---- issue 7: distributed training against one machine, dl4j-spark's defaults and MLlib ----

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

    static void compare(Map<String, Object> results, StringBuilder md) throws Exception {
        int epochs = Integer.getInteger("bench.epochs", 3);
        int mllibIterations = Integer.getInteger("bench.mllibIterations", 24);
        Path job = Path.of("jobs/fashion-mnist.conf");
        JobConfig config = JobFiles.load(job, List.of("training.epochs=" + epochs, "output.dir=unused")).config();
        int defaultThreads = Nd4j.getEnvironment().maxThreads();
        double flops = trainingFlopsPerExample(784, 512, 256, 10);
        double sgemm = sgemmGflops(config.training().batchSizePerWorker());
        System.out.printf("sgemm %dx784x512: %.1f GFLOP/s%n", config.training().batchSizePerWorker(), sgemm);
        Map<String, Map<String, Object>> runs = new LinkedHashMap<>();
        runs.put("(a) single JVM MultiLayerNetwork.fit", singleMachine(config));
        try (JavaSparkContext sc = new JavaSparkContext(SparkContexts.conf(
                new SparkSettings(null, "normdrop-bench", Map.of("spark.ui.enabled", "false")), "local[2]"))) {
            runs.put("(b) Normdrop on Spark local[2], resident master", trainer(sc, config, "resident")); // the job's averaging
            restoreThreads(defaultThreads);
            runs.put("(b10) the same, averaging every 10 minibatches", trainer(sc, config, "resident",
                    "training.averagingFrequency=10"));
            restoreThreads(defaultThreads);
            runs.put("(b') Normdrop on Spark local[2], dl4j-spark's master (Normdrop's settings)",
                    trainer(sc, config, "parameter-averaging"));
            restoreThreads(defaultThreads);
            runs.put("(c) dl4j-spark ParameterAveragingTrainingMaster, defaults", dl4jDefaults(sc, config));
            runs.put("(d) Spark MLlib MultilayerPerceptronClassifier", mllib(sc, config, mllibIterations));
            // Time for (b) to reach MLlib's accuracy, finer than whole epochs: one pass over the
            // first fraction of the training set, growing until the test accuracy reaches it.
            double target = (Double) runs.get("(d) Spark MLlib MultilayerPerceptronClassifier").get("testAccuracy");
            for (int examples : new int[]{3_000, 6_000, 12_000, 30_000, 60_000}) {
                Map<String, Object> partial = trainer(sc, config, "resident", "training.epochs=1",
                        "data.train.limit=" + examples);
                restoreThreads(defaultThreads);
                if ((Double) partial.get("testAccuracy") >= target) {
                    partial.put("examples", examples);
                    results.put("compareTimeToMllibAccuracy", partial);
                    break;
                }
            }
        }
        runs.values().forEach(r -> r.put("gflops", (Double) r.get("samplesPerSecond") * flops / 1e9));
        Map<String, Object> a = runs.get("(a) single JVM MultiLayerNetwork.fit");
        Map<String, Object> b = runs.get("(b) Normdrop on Spark local[2], resident master");
        Map<String, Object> c = runs.get("(c) dl4j-spark ParameterAveragingTrainingMaster, defaults");
        Map<String, Object> d = runs.get("(d) Spark MLlib MultilayerPerceptronClassifier");
        double bOverA = (Double) b.get("samplesPerSecond") / (Double) a.get("samplesPerSecond");
        double bOverC = (Double) b.get("samplesPerSecond") / (Double) c.get("samplesPerSecond");
        double accuracyGap = (Double) a.get("testAccuracy") - (Double) b.get("testAccuracy");
        double ofRoofline = (Double) b.get("gflops") / sgemm;
        double mllibAccuracy = (Double) d.get("testAccuracy");
        double mllibSeconds = (Double) d.get("trainSeconds");
        @SuppressWarnings("unchecked") Map<String, Object> partial = (Map<String, Object>) results.get("compareTimeToMllibAccuracy");
        double bToMllib = partial == null ? Double.NaN : (Double) partial.get("secondsPerEpoch");
        int bToMllibExamples = partial == null ? 0 : (Integer) partial.get("examples");
        Map<String, Object> ratios = new LinkedHashMap<>();
        ratios.put("bOverAThroughput", bOverA);
        ratios.put("aMinusBAccuracy", accuracyGap);
        ratios.put("bOverCThroughput", bOverC);
        ratios.put("bGflopsOverSgemm", ofRoofline);
        ratios.put("mllibSecondsOverBSecondsToMllibAccuracy", mllibSeconds / bToMllib);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("network", "784-512-256-10 (jobs/fashion-mnist.conf: weight-norm hidden layers, keep 0.8), batch "
                + config.training().batchSizePerWorker() + ", Adam 1e-3, " + epochs + " epochs, Fashion-MNIST 60,000/10,000");
        r.put("sgemmGflops", sgemm);
        r.put("trainingFlopsPerExample", flops);
        r.put("runs", runs);
        r.put("ratios", ratios);
        results.put("compare", r);
        md.append("## Distributed vs one machine (").append(r.get("network")).append(")\n\n")
                .append("| run | samples/s | s/epoch (training) | test accuracy after ").append(epochs)
                .append(" epochs | effective GFLOP/s |\n|---|---|---|---|---|\n");
        runs.forEach((k, v) -> md.append(String.format("| %s | %,.0f | %.1f | %.4f | %.1f |%n", k, (Double) v.get("samplesPerSecond"),
                (Double) v.get("secondsPerEpoch"), (Double) v.get("testAccuracy"), (Double) v.get("gflops"))));
        md.append(String.format("%n(d) is L-BFGS: %d iterations (full-batch passes) in %.0f s; its row's s/epoch is per iteration.%n%n",
                mllibIterations, mllibSeconds));
        md.append(String.format("- ND4J sgemm %dx784 · 784x512 on this machine: %.1f GFLOP/s; training FLOPs per example %.2f M%n",
                config.training().batchSizePerWorker(), sgemm, flops / 1e6));
        md.append(String.format("- (b)/(a) throughput: **%.2f** (goal >= 0.9); accuracy (a) - (b): %.4f (goal within 0.005)%n", bOverA, accuracyGap));
        md.append(String.format("- (b)/(c) throughput: **%.1fx** (goal >= 5x)%n", bOverC));
        md.append(String.format("- (b) effective GFLOP/s / sgemm: **%.0f%%** (goal >= 60%%)%n", 100 * ofRoofline));
        md.append(String.format("- MLlib reached %.4f in %.0f s; (b) reached %s after one pass over the first %,d examples, "
                        + "%.1f s of training: **%.0fx** sooner (goal >= 50x)%n%n", mllibAccuracy, mllibSeconds,
                partial == null ? "-" : String.format("%.4f", (Double) partial.get("testAccuracy")), bToMllibExamples, bToMllib,
                mllibSeconds / bToMllib));
    }

    private static void restoreThreads(int threads) {
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
    }

    /** Normdrop's trainer with the given master on the job's data; epoch 1 included (no warm-up left out). */
    static Map<String, Object> trainer(JavaSparkContext sc, JobConfig base, String master, String... overrides)
            throws Exception {
        List<String> all = new ArrayList<>(List.of("training.epochs=" + base.training().epochs(), "output.dir=unused",
                "training.master=" + master));
        all.addAll(List.of(overrides));
        JobConfig c = JobFiles.load(Path.of("jobs/fashion-mnist.conf"), all).config();
        SparkTrainer trainer = new SparkTrainer(sc, c.training(), true);
        SparkTrainer.Result result;
        long examples;
        try (TrainingInputs inputs = TrainingInputs.prepare(sc, c, new PrintWriter(java.io.Writer.nullWriter()))) {
            examples = inputs.train().count();
            result = trainer.fit(inputs.initialNetwork(c.model().dataInit(), new PrintWriter(java.io.Writer.nullWriter())),
                    inputs, MetricsSink.all());
        }
        double seconds = result.epochs().stream().mapToDouble(EpochMetrics::trainSeconds).average().orElseThrow();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("testAccuracy", result.evaluation().accuracy());
        r.put("secondsPerEpoch", seconds);
        r.put("samplesPerSecond", examples / seconds);
        r.put("accuracyPerEpoch", result.epochs().stream().map(EpochMetrics::testAccuracy).toList());
        r.put("timePerEpoch", result.epochs().stream().map(EpochMetrics::time).toList());
        System.out.printf("%s %s: %.1f s/epoch, accuracy %s%n", master, List.of(overrides), seconds, r.get("accuracyPerEpoch"));
        return r;
    }

    /** dl4j-spark's master as a user would start with it: workers and record size given, everything else default. */
    static Map<String, Object> dl4jDefaults(JavaSparkContext sc, JobConfig c) {
        IdxReader reader = new IdxReader(sc.hadoopConfiguration());
        LabeledImages train = reader.read(c.data().train(), 10);
        LabeledImages test = reader.read(c.data().test(), 10);
        int batch = c.training().batchSizePerWorker();
        var trainRdd = Minibatches.rdd(sc, train, batch, 10, 2).cache();
        var testRdd = Minibatches.rdd(sc, test, 500, 10, 2).cache();
        var master = new org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster.Builder(2, batch)
                .batchSizePerWorker(batch).build();
        MultiLayerNetwork net = new MultiLayerNetwork(NetworkFactory.configuration(c.model(), c.training(), 784));
        net.init();
        var spark = new org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer(sc, net, master);
        List<Double> accuracy = new ArrayList<>();
        double trainSeconds = 0;
        for (int e = 0; e < c.training().epochs(); e++) {
            long t0 = System.nanoTime();
            spark.fit(trainRdd);
            trainSeconds += (System.nanoTime() - t0) / 1e9;
            accuracy.add(new org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer(sc, spark.getNetwork().clone(), master)
                    .evaluate(testRdd).accuracy());
            System.out.printf("dl4j-spark defaults epoch %d: %.1f s, accuracy %.4f%n", e + 1, trainSeconds / (e + 1),
                    accuracy.get(e));
        }
        master.deleteTempFiles(sc);
        trainRdd.unpersist();
        testRdd.unpersist();
        double perEpoch = trainSeconds / c.training().epochs();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("testAccuracy", accuracy.get(accuracy.size() - 1));
        r.put("secondsPerEpoch", perEpoch);
        r.put("samplesPerSecond", train.count() / perEpoch);
        r.put("accuracyPerEpoch", accuracy);
        r.put("settings", master.toJson());
        return r;
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
        r.put("secondsPerEpoch", seconds / iterations);
        r.put("samplesPerSecond", 60_000.0 * iterations / seconds);
        return r;
    }
}
