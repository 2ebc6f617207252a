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
import io.normdrop.metrics.RoundMetrics;
import io.normdrop.nn.NetworkFactory;
import io.normdrop.train.SparkTrainer;
import io.normdrop.train.SyncTimer;
import io.normdrop.train.TrainingInputs;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.RequestMethod$;
import org.apache.spark.RequestToSync;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.serializer.JavaSerializer;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import scala.reflect.ClassTag$;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue 13's measurements. {@code deploy/bench.sh speed}: Normdrop (allreduce master, the job's
 * settings) on local[2] against DL4J's {@code fit} over an iterator in one JVM, in the order
 * a b b a, plus the resident master and DL4J's {@code ParallelWrapper} (2 workers, averaging every
 * 20; at ND4J's default threads and at one thread per worker); where Normdrop's training time
 * went. {@code deploy/bench.sh allreduce}: what the driver receives per averaging round with 2, 4,
 * 8 and 16 workers (local[N]), allreduce against resident, and the per-round costs the scaling
 * model starts from.
 */
final class SpeedBench {
    private static final PrintWriter SILENT = new PrintWriter(Writer.nullWriter());

    private SpeedBench() {
    }

    /** A Normdrop run: its epochs as the trainer measured them, and its rounds. */
    record Run(List<EpochMetrics> epochs, List<RoundMetrics> rounds, long examples) {
        CompareBench.Epochs asEpochs() {
            return new CompareBench.Epochs(epochs.stream().map(EpochMetrics::trainSeconds).toList(),
                    epochs.stream().map(EpochMetrics::testAccuracy).toList(), examples);
        }

        /** Share of training time outside the workers' fit, per epoch. */
        List<Double> outsideFit() {
            return epochs.stream().map(m -> 1 - m.time().orElseThrow().fit() / m.trainSeconds()).toList();
        }

        /** Mean share outside fit over epochs 2..n. */
        double steadyOutsideFit() {
            return outsideFit().stream().skip(epochs.size() > 1 ? 1 : 0).mapToDouble(Double::doubleValue).average().orElseThrow();
        }
    }

    static Run normdrop(JavaSparkContext sc, Path job, List<String> overrides) {
        JobConfig c = JobFiles.load(job, overrides).config();
        int threads = Nd4j.getEnvironment().maxThreads();
        List<RoundMetrics> rounds = new ArrayList<>();
        try (TrainingInputs inputs = TrainingInputs.prepare(sc, c, SILENT)) {
            SparkTrainer.Result result = new SparkTrainer(sc, c.training(), true)
                    .fit(inputs.initialNetwork(c.model().dataInit(), SILENT), inputs, new MetricsSink() {
                        @Override
                        public void round(RoundMetrics m) {
                            rounds.add(m);
                        }

                        @Override
                        public void epoch(EpochMetrics m) {
                            System.out.printf("  %s epoch %d: %.2f s, outside fit %.1f%%, accuracy %.4f%n", overrides,
                                    m.epoch(), m.trainSeconds(), 100 * (1 - m.time().orElseThrow().fit() / m.trainSeconds()), m.testAccuracy());
                        }
                    });
            return new Run(result.epochs(), rounds, inputs.train().count());
        } finally {
            // The workers set ND4J's threads of this JVM (local mode): undo it.
            Nd4j.getEnvironment().setMaxThreads(threads);
            Nd4j.getEnvironment().setMaxMasterThreads(threads);
            Nd4j.factory().blas().setMaxThreads(threads);
        }
    }

    static void speed(Map<String, Object> results, StringBuilder md) throws Exception {
        int epochs = Integer.getInteger("bench.epochs", 15);
        Path job = Path.of("jobs/fashion-mnist.conf");
        List<String> base = List.of("training.epochs=" + epochs, "output.dir=unused");
        JobConfig config = JobFiles.load(job, base).config();
        Map<String, CompareBench.Epochs> runs = new LinkedHashMap<>();
        Map<String, Run> normdrop = new LinkedHashMap<>();
        List<Double> pairRatios = new ArrayList<>();
        try (JavaSparkContext sc = new JavaSparkContext(SparkContexts.conf(
                new SparkSettings(null, "normdrop-bench", Map.of("spark.ui.enabled", "false")), "local[2]"))) {
            CompareBench.Epochs a1 = CompareBench.singleMachine(config);
            Run b1 = normdrop(sc, job, base);
            Run b2 = normdrop(sc, job, base);
            CompareBench.Epochs a2 = CompareBench.singleMachine(config);
            pairRatios.add(a1.steadySeconds() / b1.asEpochs().steadySeconds());
            pairRatios.add(a2.steadySeconds() / b2.asEpochs().steadySeconds());
            runs.put("(a) one JVM, MultiLayerNetwork.fit(iterator), run 1", a1);
            runs.put("(a) one JVM, MultiLayerNetwork.fit(iterator), run 2", a2);
            String b = "(b) Normdrop, allreduce master (the job: averaging every " + config.training().averagingPeriod()
                    + ", shards dealt once), run ";
            normdrop.put(b + 1, b1);
            normdrop.put(b + 2, b2);
            normdrop.put("(b-r) the same, reshuffled across the workers every epoch (training.reshuffleEvery = 1)",
                    normdrop(sc, job, with(base, "training.reshuffleEvery=1")));
            normdrop.put("(r) Normdrop, resident master (driver averages, a Spark job per round)",
                    normdrop(sc, job, with(base, "training.master=resident")));
        }
        runs.put("(p) DL4J ParallelWrapper, 2 workers, averaging every 20, ND4J's default threads",
                parallelWrapper(config, Nd4j.getEnvironment().maxThreads()));
        runs.put("(p1) the same, one ND4J/BLAS thread (OMP_NUM_THREADS=1)", parallelWrapper(config, 1));
        normdrop.forEach((k, v) -> runs.put(k, v.asEpochs()));

        double ratio = Benchmarks.median(pairRatios);
        double aAccuracy = (runs.get("(a) one JVM, MultiLayerNetwork.fit(iterator), run 1").accuracy().get(epochs - 1)
                + runs.get("(a) one JVM, MultiLayerNetwork.fit(iterator), run 2").accuracy().get(epochs - 1)) / 2;
        Map<String, Object> json = new LinkedHashMap<>();
        runs.forEach((k, v) -> {
            Map<String, Object> r = new LinkedHashMap<>(v.json());
            Run n = normdrop.get(k);
            if (n != null) {
                r.put("outsideFitPerEpoch", n.outsideFit());
                r.put("timePerEpoch", n.epochs().stream().map(EpochMetrics::time).toList());
            }
            json.put(k, r);
        });
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("job", "jobs/fashion-mnist.conf, " + epochs + " epochs, Spark local[2]");
        r.put("runs", json);
        r.put("bOverASteadyPerPair", pairRatios);
        r.put("bOverASteady", ratio);
        results.put("speed", r);

        md.append("## Faster than one machine (jobs/fashion-mnist.conf, ").append(epochs).append(" epochs, local[2])\n\n")
                .append("| run | samples/s, epochs 2-").append(epochs).append(" | s/epoch (training), epochs 2-").append(epochs)
                .append(" | outside fit, epochs 2-").append(epochs).append(" | test accuracy after ").append(epochs)
                .append(" epochs |\n|---|---|---|---|---|\n");
        runs.forEach((k, v) -> {
            Run n = normdrop.get(k);
            md.append(String.format("| %s | %,.0f | %.2f | %s | %.4f |%n", k, v.examples() / v.steadySeconds(), v.steadySeconds(),
                    n == null ? "" : String.format("%.1f %%", 100 * n.steadyOutsideFit()), v.accuracy().get(v.accuracy().size() - 1)));
        });
        Run b1 = normdrop.values().iterator().next();
        EpochMetrics last = b1.epochs().get(b1.epochs().size() - 1);
        md.append(String.format("%n- (b)/(a), steady-state samples/s, per a-b pair: %s; **%.2fx** (median); accuracy (a) - (b): "
                        + "%.4f%n", pairRatios.stream().map(x -> String.format("%.2f", x)).toList(), ratio,
                aAccuracy - (b1.epochs().get(epochs - 1).testAccuracy()
                        + normdrop.values().stream().skip(1).findFirst().orElseThrow().epochs().get(epochs - 1).testAccuracy()) / 2));
        md.append(String.format("- (b) run 1, epoch %d: %.2f s training = fit %.2f + exchange %.2f + broadcast %.2f + reshuffle "
                        + "%.2f + other %.2f s%n%n", last.epoch(), last.trainSeconds(), last.time().orElseThrow().fit(),
                last.time().orElseThrow().aggregation(), last.time().orElseThrow().broadcast(), last.time().orElseThrow().repartition(), last.time().orElseThrow().other()));
    }

    private static List<String> with(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(List.of(more));
        return all;
    }

    /**
     * DL4J's one-machine data parallelism as its documentation sets it up: {@code ParallelWrapper}
     * with 2 workers averaging every 20 minibatches over an iterator of the same prebuilt
     * minibatches as (a), ND4J at {@code threads} threads.
     */
    static CompareBench.Epochs parallelWrapper(JobConfig job, int threads) throws Exception {
        int defaults = Nd4j.getEnvironment().maxThreads();
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
        try {
            IdxReader reader = new IdxReader(new Configuration());
            LabeledImages train = reader.read(job.data().train(), 10);
            LabeledImages test = reader.read(job.data().test(), 10);
            List<DataSet> batches = new ArrayList<>(Minibatches.dataSets(train, job.training().batchSizePerWorker(), 10));
            List<DataSet> testBatches = Minibatches.dataSets(test, 500, 10);
            MultiLayerNetwork net = new MultiLayerNetwork(NetworkFactory.configuration(job.model(), job.training(), 784));
            net.init();
            List<Double> seconds = new ArrayList<>();
            List<Double> accuracy = new ArrayList<>();
            Random shuffle = new Random(job.training().seed());
            try (ParallelWrapper wrapper = new ParallelWrapper.Builder<>(net).workers(2)
                    .averagingFrequency(job.training().averagingPeriod())
                    .trainingMode(ParallelWrapper.TrainingMode.AVERAGING).build()) {
                for (int epoch = 0; epoch < job.training().epochs(); epoch++) {
                    Collections.shuffle(batches, shuffle);
                    long t0 = System.nanoTime();
                    wrapper.fit(new ExistingDataSetIterator(batches));
                    seconds.add((System.nanoTime() - t0) / 1e9);
                    accuracy.add(CompareBench.accuracy(net, testBatches));
                    System.out.printf("ParallelWrapper (%d threads) epoch %d: %.1f s, test acc %.4f%n", threads, epoch + 1,
                            seconds.get(epoch), accuracy.get(epoch));
                }
            }
            return new CompareBench.Epochs(seconds, accuracy, train.count());
        } finally {
            Nd4j.getEnvironment().setMaxThreads(defaults);
            Nd4j.getEnvironment().setMaxMasterThreads(defaults);
            Nd4j.factory().blas().setMaxThreads(defaults);
        }
    }

    /** Sums the result bytes of the tasks of the averaging stages (named after the averaging class). */
    static final class DriverBytes extends SparkListener {
        final AtomicLong resultBytes = new AtomicLong();
        final Map<Integer, String> stageNames = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public void onStageCompleted(SparkListenerStageCompleted stage) {
            stageNames.put(stage.stageInfo().stageId(), stage.stageInfo().name());
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd task) {
            if (task.taskMetrics() != null && task.stageAttemptId() >= 0) {
                pending.add(new long[]{task.stageId(), task.taskMetrics().resultSize()});
            }
        }

        private final List<long[]> pending = Collections.synchronizedList(new ArrayList<>());

        /** Result bytes of the stages whose name mentions an averaging class, since the last call. */
        long take() {
            long sum = 0;
            synchronized (pending) {
                for (long[] p : pending) {
                    String name = stageNames.getOrDefault((int) p[0], "");
                    if (name.contains("Averaging")) {
                        sum += p[1];
                    }
                }
                pending.clear();
            }
            return sum;
        }
    }

    /**
     * The scaling model's inputs from this run: the fit per minibatch and the exchange of the
     * Fashion-MNIST job on 2 workers (averaging every 20) and on 1, and a round's fixed cost
     * against the workers (a least-squares slope through the origin).
     */
    static ScalingModel scalingModel(Map<Integer, Double> roundFixed, List<Map<String, Object>> fashion) {
        Map<String, Object> one = fashion.get(0);
        Map<String, Object> two = fashion.get(1);
        double minibatch = (Double) two.get("fitSecondsPerEpoch") / Math.ceil(60_000 / (2.0 * 64));
        double nt = 0;
        double nn = 0;
        for (Map.Entry<Integer, Double> e : roundFixed.entrySet()) {
            nt += e.getKey() * e.getValue();
            nn += (double) e.getKey() * e.getKey();
        }
        double sync = nt / nn;
        double copy = (Double) one.get("exchangeSecondsPerRound");
        double wait = Math.max(0, (Double) two.get("exchangeSecondsPerRound") - 2 * sync - copy) / (20 * minibatch);
        JobConfig c = JobFiles.load(Path.of("jobs/fashion-mnist.conf"), List.of()).config();
        MultiLayerNetwork net = new MultiLayerNetwork(NetworkFactory.configuration(c.model(), c.training(), 784));
        net.init();
        return new ScalingModel(minibatch, net.numParams(), sync, copy, wait, (Double) two.get("firstRoundOtherSeconds"));
    }

    static void allReduce(Map<String, Object> results, StringBuilder md) throws Exception {
        int frequency = 5;
        int batch = 32;
        int roundsPerEpoch = 4;
        int epochs = 2;
        List<Map<String, Object>> rows = new ArrayList<>();
        long syncBytes = 0;
        for (int workers : new int[]{2, 4, 8, 16}) {
            try (JavaSparkContext sc = new JavaSparkContext(SparkContexts.conf(new SparkSettings(null, "normdrop-bench",
                    Map.of("spark.ui.enabled", "false")), "local[" + workers + "]"))) {
                DriverBytes bytes = new DriverBytes();
                sc.sc().addSparkListener(bytes);
                RequestToSync request = RequestToSync.apply(workers, 1, 0, 1L, 1, 0, "", RequestMethod$.MODULE$.BARRIER());
                syncBytes = new JavaSerializer(sc.getConf()).newInstance()
                        .serialize(request, ClassTag$.MODULE$.apply(RequestToSync.class)).remaining();
                for (String master : List.of("allreduce", "resident")) {
                    List<String> sets = List.of("training.master=" + master, "training.workers=" + workers,
                            "training.epochs=" + epochs, "training.averagingPeriod=" + frequency, "data.batchSize=" + batch,
                            "training.batchSizePerWorker=" + batch, "training.reshuffleEvery=0", "output.dir=unused",
                            "data.train.limit=" + workers * frequency * batch * roundsPerEpoch, "data.test.limit=500");
                    bytes.take();
                    Run run = normdrop(sc, Path.of("jobs/quickstart.conf"), sets);
                    sc.sc().listenerBus().waitUntilEmpty();
                    long received = bytes.take();
                    int rounds = run.rounds().size();
                    // allreduce: per epoch an all-gather, two syncs per round and one to finish, from every worker
                    long syncs = master.equals("allreduce") ? (long) workers * epochs * (2L * roundsPerEpoch + 2) : 0;
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("workers", workers);
                    row.put("master", master);
                    row.put("rounds", rounds);
                    row.put("resultBytesPerRound", received / (double) rounds);
                    row.put("syncMessagesPerRound", syncs / (double) rounds);
                    row.put("syncBytesPerRound", syncs * syncBytes / (double) rounds);
                    row.put("driverBytesPerRound", (received + syncs * syncBytes) / (double) rounds);
                    List<RoundMetrics> later = run.rounds().stream().filter(m -> m.epoch() > 1 && m.round() > 1).toList();
                    row.put("fitSecondsPerRound", later.stream().mapToDouble(m -> m.time().orElseThrow().fit()).average().orElse(0));
                    row.put("exchangeSecondsPerRound", later.stream().mapToDouble(m -> m.time().orElseThrow().aggregation()).average().orElse(0));
                    row.put("wallSecondsPerRound", later.stream().mapToDouble(RoundMetrics::wallSeconds).average().orElse(0));
                    rows.add(row);
                    System.out.println("allreduce bench: " + row);
                }
            }
        }
        // The scaling model's inputs that the runs above mix with CPU sharing (N workers on this
        // machine's cores): a synchronization alone, and the fashion job's epochs on 1, 2 and 4 workers.
        Map<Integer, Double> syncSeconds = new LinkedHashMap<>();
        for (int workers : new int[]{2, 4, 8, 16}) {
            try (JavaSparkContext sc = new JavaSparkContext(SparkContexts.conf(new SparkSettings(null, "normdrop-bench",
                    Map.of("spark.ui.enabled", "false")), "local[" + workers + "]"))) {
                syncSeconds.put(workers, SyncTimer.secondsPerSync(sc, workers, 300));
                System.out.printf("allreduce bench: %d workers, %.3f ms per synchronization%n", workers,
                        1e3 * syncSeconds.get(workers));
            }
        }
        List<Map<String, Object>> fashion = new ArrayList<>();
        for (int workers : new int[]{1, 2, 4}) {
            try (JavaSparkContext sc = new JavaSparkContext(SparkContexts.conf(new SparkSettings(null, "normdrop-bench",
                    Map.of("spark.ui.enabled", "false")), "local[" + workers + "]"))) {
                Run run = normdrop(sc, Path.of("jobs/fashion-mnist.conf"), List.of("training.workers=" + workers,
                        "training.epochs=3", "output.dir=unused"));
                List<EpochMetrics> steady = run.epochs().subList(1, run.epochs().size());
                List<RoundMetrics> rounds = run.rounds().stream().filter(m -> m.epoch() > 1).toList();
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("workers", workers);
                row.put("trainSecondsPerEpoch", steady.stream().mapToDouble(EpochMetrics::trainSeconds).average().orElseThrow());
                row.put("fitSecondsPerEpoch", steady.stream().mapToDouble(m -> m.time().orElseThrow().fit()).average().orElseThrow());
                row.put("exchangeSecondsPerRound", rounds.stream().filter(m -> m.round() > 1)
                        .mapToDouble(m -> m.time().orElseThrow().aggregation()).average().orElse(0));
                row.put("roundsPerEpoch", rounds.size() / (double) steady.size());
                row.put("firstRoundOtherSeconds", rounds.stream().filter(m -> m.round() == 1)
                        .mapToDouble(m -> m.time().orElseThrow().other() + m.time().orElseThrow().broadcast()).average().orElse(0));
                fashion.add(row);
                System.out.println("allreduce bench, fashion: " + row);
            }
        }
        ScalingModel model = scalingModel(syncSeconds, fashion);
        Map<String, Object> modelJson = new LinkedHashMap<>();
        modelJson.put("inputs", model);
        results.put("allreduce", Map.of("network", "jobs/quickstart.conf (784-256-128-10, weight norm, Adam)",
                "syncMessageBytes", syncBytes, "rows", rows, "roundFixedSeconds", syncSeconds, "fashion", fashion,
                "scalingModel", modelJson));
        md.append("## What the driver receives per averaging round (jobs/quickstart.conf network, local[N], batch ")
                .append(batch).append(", averaging every ").append(frequency).append(")\n\n")
                .append("| workers | master | task-result bytes/round | sync messages/round | driver bytes/round | "
                        + "fit s/round | exchange s/round |\n|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> row : rows) {
            md.append(String.format("| %d | %s | %,.0f | %.1f | %,.0f | %.3f | %.3f |%n", (Integer) row.get("workers"),
                    row.get("master"), (Double) row.get("resultBytesPerRound"), (Double) row.get("syncMessagesPerRound"),
                    (Double) row.get("driverBytesPerRound"), (Double) row.get("fitSecondsPerRound"),
                    (Double) row.get("exchangeSecondsPerRound")));
        }
        md.append(String.format("%nTask-result bytes: Spark's resultSize of the averaging stages' tasks (allreduce: the "
                + "first worker's parameters once per epoch, spread over its rounds; resident: every worker's parameters and "
                + "updater state every round). Sync messages: Spark's barrier coordinator requests, %,d bytes each "
                + "(Java-serialized).%n%n", syncBytes));
        md.append("A round's fixed cost with N workers alone (two synchronizations and the blocks of a vector of one float per "
                + "worker, in a barrier stage doing nothing else): ");
        syncSeconds.forEach((n, sec) -> md.append(String.format("%d: %.3f ms; ", n, 1e3 * sec)));
        md.append("\n\n| workers (jobs/fashion-mnist.conf, local[N], epochs 2-3) | training s/epoch | fit s/epoch "
                + "| rounds/epoch | exchange s/round | stage start and end s/epoch |\n|---|---|---|---|---|---|\n");
        for (Map<String, Object> row : fashion) {
            md.append(String.format("| %d | %.2f | %.2f | %.0f | %.4f | %.3f |%n", (Integer) row.get("workers"),
                    (Double) row.get("trainSecondsPerEpoch"), (Double) row.get("fitSecondsPerEpoch"),
                    (Double) row.get("roundsPerEpoch"), (Double) row.get("exchangeSecondsPerRound"),
                    (Double) row.get("firstRoundOtherSeconds")));
        }
        md.append(String.format("%n### The scaling model from these measurements%n%nt_mb %.4f s, P %,d, c_sync %.5f s per worker, "
                        + "t_copy %.4f s, t_wait %.3f of a round's fit, t_epoch %.3f s.%n%n| workers on this machine | predicted "
                        + "s/epoch | measured |%n|---|---|---|%n", model.minibatchSeconds(), model.parameters(),
                model.syncPerWorker(), model.copySeconds(), model.waitShare(), model.epochSeconds()));
        for (Map<String, Object> row : fashion) {
            int n = (Integer) row.get("workers");
            md.append(String.format("| %d | %.2f | %.2f |%n", n,
                    model.onOneMachine(n, Runtime.getRuntime().availableProcessors(), 20).seconds(),
                    (Double) row.get("trainSecondsPerEpoch")));
        }
        md.append(model.projections()).append("\n");
    }
}
