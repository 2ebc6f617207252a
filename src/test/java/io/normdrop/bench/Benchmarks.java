package io.normdrop.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.normdrop.config.JobConfig;
import io.normdrop.config.JobFiles;
import io.normdrop.config.LoadedJob;
import io.normdrop.config.SparkSettings;
import io.normdrop.job.SparkContexts;
import io.normdrop.job.TrainJob;
import io.normdrop.metrics.EpochMetrics;
import io.normdrop.metrics.MetricsSink;
import io.normdrop.nn.WeightNormConv2D;
import io.normdrop.nn.WeightNormDense;
import io.normdrop.train.SparkTrainer;
import io.normdrop.train.TrainingInputs;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
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
 *       trained by {@code MultiLayerNetwork.fit} over an iterator in one JVM on the same minibatches.</li>
 *   <li>{@code metrics}: what the metrics module costs. The quickstart job on Spark local[2] as
 *       {@code train} runs it (round timing, the Spark listener, the recorder, every file written)
 *       against the bare trainer with no collection at all, alternating; the epoch time ratio,
 *       and what writing the run's files took in each run, the first one cold.</li>
 *   <li>{@code averaging}: what measuring the workers' drift costs an allreduce round: the
 *       mean of jobs/fashion-mnist.conf's parameters and Adam state over two workers (one task's
 *       slice) with and without the drift sums, interleaved, against the median round of that
 *       job on Spark local[2] averaging every 5 and every 20 minibatches.</li>
 *   <li>{@code compare}: {@link CompareBench}, then {@code step}.</li>
 *   <li>{@code onnx}: {@link OnnxScoringBench}; {@code scoring} runs it first, then {@link ScoringBench}.</li>
 *   <li>{@code fits}: {@link FitsBench}, native memory across twenty fits of the Spark ML estimator in one JVM.</li>
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
        if (which.equals("speed")) {
            SpeedBench.speed(results, md);
        }
        if (which.equals("allreduce")) {
            SpeedBench.allReduce(results, md);
        }
        if (which.equals("scoring") || which.equals("onnx")) {
            OnnxScoringBench.compare(results, md, Path.of(System.getProperty("bench.model")));
        }
        if (which.equals("scoring")) {
            ScoringBench.scoring(results, md, Path.of(System.getProperty("bench.model")),
                    System.getProperty("bench.million") == null ? null : Path.of(System.getProperty("bench.million")));
        }
        if (which.equals("averaging")) {
            averagingCost(results, md);
        }
        if (which.equals("fits")) {
            FitsBench.twentyFits(results, md, out);
        }
        if (which.equals("compare")) {
            CompareBench.compare(results, md);
            step(results, md);
        }
        Files.writeString(out.resolve("bench.json"), JSON.writeValueAsString(results));
        Files.writeString(out.resolve("bench.md"), md.toString());
        System.out.println(md);
        System.out.println("results: " + out.resolve("bench.json") + ", " + out.resolve("bench.md"));
        // After an allreduce stage in local mode, Spark's barrier task timer, a non-daemon thread, keeps the JVM alive.
        System.exit(0);
    }

    // ---- the cost of measuring drift -----------------------------------------------------------

    static void averagingCost(Map<String, Object> results, StringBuilder md) throws Exception {
        Path job = Path.of("jobs/fashion-mnist.conf");
        JobConfig c = JobFiles.load(job, List.of()).config();
        MultiLayerNetwork net = new MultiLayerNetwork(io.normdrop.nn.NetworkFactory.configuration(c.model(), c.training(), 784));
        net.init();
        int warmUp = 100;
        List<double[]> millis = io.normdrop.train.DriftCost.firstSliceMillis(net, warmUp + 400);
        List<Double> plain = millis.stream().skip(warmUp).map(t -> t[0]).toList();
        List<Double> withDrift = millis.stream().skip(warmUp).map(t -> t[1]).toList();
        double extra = median(withDrift) - median(plain);
        Map<String, Double> roundSeconds = new LinkedHashMap<>();
        try (JavaSparkContext sc = new JavaSparkContext(SparkContexts.conf(
                new SparkSettings(null, "normdrop-bench", Map.of("spark.ui.enabled", "false")), "local[2]"))) {
            for (int every : new int[]{5, 20}) {
                SpeedBench.Run run = SpeedBench.normdrop(sc, job, List.of("training.epochs=2", "training.workers=2",
                        "training.averagingPeriod=" + every, "output.dir=unused"));
                // Epoch 2: the first pays for JIT and for loading the data.
                roundSeconds.put("every " + every, median(run.rounds().stream().filter(r -> r.epoch() == 2 && r.round() > 1)
                        .map(r -> r.wallSeconds()).toList()));
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("parameters", net.numParams());
        r.put("meanMillisWithoutDrift", median(plain));
        r.put("meanMillisWithDrift", median(withDrift));
        r.put("driftMillis", extra);
        r.put("medianRoundSeconds", roundSeconds);
        results.put("averagingCost", r);
        md.append("## What measuring drift costs an averaging round\n\n")
                .append(String.format(java.util.Locale.ROOT, "jobs/fashion-mnist.conf's network (%,d parameters, Adam), two "
                        + "workers: one allreduce task's mean of its slice (the slice with every parameter), median of %d "
                        + "interleaved repetitions: %.3f ms without drift, %.3f ms with it, so drift adds %.3f ms.%n%n",
                        net.numParams(), plain.size(), median(plain), median(withDrift), extra))
                .append("| averaging | median round on Spark local[2] (epoch 2) | drift's share of the round |\n|---|---|---|\n");
        roundSeconds.forEach((k, v) -> md.append(String.format(java.util.Locale.ROOT, "| %s | %.1f ms | %.2f %% |%n", k,
                1000 * v, 100 * extra / 1000 / v)));
        md.append('\n');
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

    /** 64 random 784-feature examples, labels cycling through the 10 classes (seeded). */
    static DataSet randomBatch() {
        Nd4j.getRandom().setSeed(1);
        DataSet batch = new DataSet(Nd4j.rand(DataType.FLOAT, 64, 784), Nd4j.zeros(DataType.FLOAT, 64, 10));
        for (int i = 0; i < 64; i++) {
            batch.getLabels().putScalar(i, i % 10, 1);
        }
        return batch;
    }

    static void step(Map<String, Object> results, StringBuilder md) throws Exception {
        DataSet batch = randomBatch();
        Map<String, Supplier<MultiLayerNetwork>> variants = new LinkedHashMap<>();
        variants.put("DenseLayer", () -> stepNetwork(new DenseLayer.Builder()));
        variants.put("WeightNormDense", () -> stepNetwork(new WeightNormDense.Builder()));
        variants.put("DenseLayer + DL4J dropOut(1.0)", () -> stepNetwork(new DenseLayer.Builder().dropOut(1.0)));
        int stepsPerBlock = 20;
        int blocks = 45;
        Map<String, List<Double>> perStepMs = interleaved(variants, batch, blocks, stepsPerBlock);
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
        stepTable(md, "One training step (batch 64, 784→512 relu + 512→10 softmax, Adam)", blocks, stepsPerBlock, median);
        md.append(String.format("%n- weight-norm dense / DenseLayer: **%.3fx** (median of per-block ratios; ratio of the medians %.3fx; goal <= 1.10x)%n",
                wnRatio, median.get("WeightNormDense") / median.get("DenseLayer")));
        md.append(String.format("- DL4J dropOut(1.0) / Normdrop keep = 1 (no dropout built): **%.3fx** (ratio of the medians %.3fx)%n",
                dropoutRatio, median.get("DenseLayer + DL4J dropOut(1.0)") / median.get("DenseLayer")));
        // The roofline, measured in this run: ND4J's sgemm at the first layer's forward shape.
        double sgemm = CompareBench.sgemmGflops(64);
        double stepFlops = 64 * CompareBench.trainingFlopsPerExample(784, 512, 10);
        double denseGflops = stepFlops / (median.get("DenseLayer") / 1e3) / 1e9;
        r.put("sgemmGflops", sgemm);
        r.put("denseStepGflops", denseGflops);
        Map<String, Double> profile = StepProfile.shares(stepNetwork(new DenseLayer.Builder()), batch, 3000);
        r.put("denseStepProfile", profile);
        md.append(String.format("- DenseLayer step: %.1f MFLOP in %.2f ms = %.1f GFLOP/s, **%.0f %%** of ND4J's sgemm measured in this run "
                + "(64x784 · 784x512: %.1f GFLOP/s)%n", stepFlops / 1e6, median.get("DenseLayer"), denseGflops, 100 * denseGflops / sgemm, sgemm));
        md.append("- where the DenseLayer step's time goes (JFR, 3,000 steps):");
        profile.forEach((k, v) -> {
            if (!k.equals("samples") && v >= 0.005) {
                md.append(String.format(" %s %.0f %% (%.2f ms);", k, 100 * v, v * median.get("DenseLayer")));
            }
        });
        md.append("\n\n");
        convolutionStep(r, md);
    }

    /**
     * ms per step of each variant: after 100 warm-up steps each, {@code blocks} rounds of
     * {@code steps} steps per variant, the order rotated every round.
     */
    static Map<String, List<Double>> interleaved(Map<String, Supplier<MultiLayerNetwork>> variants, DataSet batch,
                                                 int blocks, int steps) {
        Map<String, MultiLayerNetwork> nets = new LinkedHashMap<>();
        variants.forEach((k, v) -> nets.put(k, v.get()));
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
                for (int i = 0; i < steps; i++) {
                    e.getValue().fit(batch);
                }
                perStepMs.get(e.getKey()).add((System.nanoTime() - t0) / 1e6 / steps);
            }
        }
        return perStepMs;
    }

    /** The convolutions of the bench's conv net. */
    enum Convolutions {
        CONVOLUTION_LAYER("ConvolutionLayer (DL4J)"),
        WEIGHT_NORM_DL4J_PATH("WeightNormConv2D on DL4J's conv code (before)"),
        WEIGHT_NORM("WeightNormConv2D (padded grid)");

        final String label;

        Convolutions(String label) {
            this.label = label;
        }

        ConvolutionLayer.Builder builder(int kernel) {
            return switch (this) {
                case CONVOLUTION_LAYER -> new ConvolutionLayer.Builder(kernel, kernel);
                case WEIGHT_NORM_DL4J_PATH -> new io.normdrop.nn.Dl4jPathWeightNormConv2D.Builder(kernel, kernel);
                case WEIGHT_NORM -> new WeightNormConv2D.Builder(kernel, kernel);
            };
        }
    }

    /** A small conv net on 28x28 images: conv 5x5x16 same relu, max pool 2, conv 5x5x32 same relu, max pool 2, softmax 10. */
    static MultiLayerNetwork convolutionNetwork(Convolutions kind) {
        ConvolutionLayer.Builder first = kind.builder(5);
        ConvolutionLayer.Builder second = kind.builder(5);
        first.convolutionMode(ConvolutionMode.Same).nOut(16).activation(Activation.RELU);
        second.convolutionMode(ConvolutionMode.Same).nOut(32).activation(Activation.RELU);
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .updater(new Adam(1e-3)).list()
                .layer(first.build())
                .layer(new SubsamplingLayer.Builder().kernelSize(2, 2).stride(2, 2).build())
                .layer(second.build())
                .layer(new SubsamplingLayer.Builder().kernelSize(2, 2).stride(2, 2).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1))
                .build());
        net.init();
        return net;
    }

    /**
     * One training step of the conv net: DL4J's ConvolutionLayer, the weight-norm convolution as it
     * ran before (DL4J's conv code on W) and as it runs now (the padded grid), interleaved; then a
     * JFR profile of each: where the step's time goes.
     */
    static void convolutionStep(Map<String, Object> results, StringBuilder md) throws Exception {
        DataSet batch = randomBatch();
        Map<String, Supplier<MultiLayerNetwork>> variants = new LinkedHashMap<>();
        for (Convolutions kind : Convolutions.values()) {
            variants.put(kind.label, () -> convolutionNetwork(kind));
        }
        int blocks = 25;
        int steps = 5;
        Map<String, List<Double>> perStepMs = interleaved(variants, batch, blocks, steps);
        Map<String, Double> median = new LinkedHashMap<>();
        perStepMs.forEach((k, v) -> median.put(k, median(v)));
        String anchor = Convolutions.CONVOLUTION_LAYER.label;
        String before = Convolutions.WEIGHT_NORM_DL4J_PATH.label;
        String now = Convolutions.WEIGHT_NORM.label;
        double speedup = medianRatio(perStepMs.get(before), perStepMs.get(now));
        double overAnchor = medianRatio(perStepMs.get(now), perStepMs.get(anchor));
        results.put("convolutionShape", "batch 64, 28x28x1 -> conv 5x5x16 same relu, max pool 2, conv 5x5x32 same relu, max pool 2, softmax 10, Adam");
        results.put("convolutionMedianMsPerStep", median);
        results.put("weightNormConvSpeedupOverBefore", speedup);
        results.put("weightNormConvOverConvolutionLayer", overAnchor);
        stepTable(md, "One training step of a conv net (batch 64, 28×28×1 → conv 5×5×16 → pool → conv 5×5×32 → pool → "
                + "softmax 10, Adam)", blocks, steps, median);
        md.append(String.format("%n- weight-norm conv step, before / now: **%.2fx faster** (median of per-block ratios; goal >= 4x)%n", speedup))
                .append(String.format("- weight-norm conv (padded grid) / ConvolutionLayer: **%.3fx** (median of per-block ratios)%n%n", overAnchor));

        Map<String, Map<String, Double>> profiles = new LinkedHashMap<>();
        for (Convolutions kind : Convolutions.values()) {
            profiles.put(kind.label, StepProfile.shares(convolutionNetwork(kind), batch, 300));
        }
        results.put("convolutionStepProfile", profiles);
        md.append("### Where the conv step's time goes (JFR, 300 steps each; share of the training thread's samples, and ms/step at the medians above)\n\n| work |");
        profiles.keySet().forEach(k -> md.append(' ').append(k).append(" |"));
        md.append("\n|---|").append("---|".repeat(profiles.size())).append('\n');
        for (String work : profiles.values().iterator().next().keySet()) {
            if (work.equals("samples")) {
                continue;
            }
            md.append("| ").append(work).append(" |");
            profiles.forEach((k, p) -> md.append(String.format(" %.1f %% (%.1f ms) |", 100 * p.get(work), p.get(work) * median.get(k))));
            md.append('\n');
        }
        md.append("| samples |");
        profiles.values().forEach(p -> md.append(String.format(" %.0f |", p.get("samples"))));
        md.append("\n\n");
    }

    /** A step comparison's heading and table of median ms/step per variant. */
    private static void stepTable(StringBuilder md, String title, int blocks, int steps, Map<String, Double> median) {
        md.append("## ").append(title).append("\n\n")
                .append("Interleaved blocks: ").append(blocks).append(" x ").append(steps).append(" steps per variant.\n\n")
                .append("| variant | median ms/step |\n|---|---|\n");
        median.forEach((k, v) -> md.append(String.format("| %s | %.3f |%n", k, v)));
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
        List<Double> writeSeconds = new ArrayList<>();
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
                        // The run's own timing of writing its files: the first run in this JVM writes them cold.
                        writeSeconds.add(o.writeSeconds());
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
        r.put("writeSeconds", writeSeconds);
        results.put("metrics", r);
        md.append("## Metrics overhead (jobs/quickstart.conf, local[2], epochs 2-").append(epochs).append(")\n\n")
                .append("| pair | full collection s/epoch | bare trainer s/epoch | ratio |\n|---|---|---|---|\n");
        for (int i = 0; i < pairs; i++) {
            md.append(String.format("| %d | %.3f | %.3f | %.3f |%n", i + 1, full.get(i), bare.get(i), ratios.get(i)));
        }
        md.append(String.format("%n- full / bare epoch time (training + evaluation): **%.3fx** (median of %d alternating pairs, after a "
                        + "warm-up run; mean %.3fx; goal < 1.03x)%n", ratio, pairs,
                ratios.stream().mapToDouble(Double::doubleValue).average().orElseThrow()));
        md.append(String.format("- writing a run's files (both model files, provenance, job, metrics.json, epochs.csv, report.html, "
                        + "metrics.prom), as each run timed it: %.2f s the first time in the JVM (cold), median %.2f s after%n%n",
                writeSeconds.get(0), median(writeSeconds.subList(1, writeSeconds.size()))));
    }

    /** Mean training + evaluation seconds per epoch, leaving out the first (caching, JIT). */
    static double epochSeconds(List<EpochMetrics> epochs) {
        return epochs.stream().skip(1).mapToDouble(m -> m.trainSeconds() + m.evalSeconds()).average().orElseThrow();
    }

    /** The same job through the bare trainer: no statistics, no listener, no sink. */
    static double bareEpochSeconds(JavaSparkContext sc, JobConfig c) {
        SparkTrainer trainer = new SparkTrainer(sc, c.training(), false);
        SparkTrainer.Result result;
        // Bare: no round timing, no Spark listener, no sink.
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
        CompareBench.Epochs single = CompareBench.singleMachine(config);
        Map<String, Object> one = new LinkedHashMap<>(single.json());
        one.put("secondsPerEpoch", single.allSeconds());
        one.put("samplesPerSecond", single.examples() / single.allSeconds());
        runs.put("single-jvm-weightnorm (fit over an iterator)", one);
        results.put("fashion", runs);
        md.append("## Fashion-MNIST, jobs/fashion-mnist.conf (784-512-256-10, keep 0.8, ")
                .append(config.training().epochs()).append(" epochs; Spark: local[2], averaging every ")
                .append(config.training().averagingPeriod()).append(" minibatches)\n\n")
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
}
