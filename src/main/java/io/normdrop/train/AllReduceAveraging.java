package io.normdrop.train;

import io.normdrop.config.AveragingSpec.UpdaterState;
import io.normdrop.metrics.EpochRetry;
import io.normdrop.metrics.RoundMetrics;
import io.normdrop.metrics.TimeBreakdown;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.datasets.iterator.IteratorDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;

/**
 * Parameter averaging done by the workers among themselves: one Spark barrier stage per epoch,
 * whose tasks (one per worker, all running at once) each fit their shard's minibatches
 * {@code every} at a time (the epoch's averaging frequency) and, after each such round, replace
 * their parameters and (by {@code training.averaging.updaterState}) updater state with the mean
 * over all workers, exchanged through the executors' block managers ({@link BlockExchange}),
 * measuring as they average how far apart they were ({@link WorkerMean}). The driver broadcasts
 * the parameters once per epoch and receives one
 * copy back (the first worker's; after the last round all workers hold the same average), so
 * what it receives does not grow with the workers. A failed or killed task fails the epoch's
 * stage, which Spark retries whole ({@code spark.stage.maxConsecutiveAttempts}) from the
 * parameters at the start of the epoch.
 */
final class AllReduceAveraging implements AutoCloseable {
    private final String id = UUID.randomUUID().toString();
    private final JavaSparkContext sc;
    private final MultiLayerNetwork network;
    private final String configuration;
    private final int batchSize;
    private final int threadsPerWorker;
    private final boolean timed;
    private final UpdaterState updaterState;
    private final ParamLayout layout;
    private final int prefetch;
    private final RoundCheckpoints checkpoints;
    /** The retry of the epoch {@link #fit} trained last; null when it trained in its first attempt. */
    private EpochRetry retry;

    /**
     * @param network          the driver's network, which holds the average after every epoch
     * @param batchSize        minibatch size each worker fits
     * @param threadsPerWorker ND4J/BLAS threads of each worker (>= 1)
     * @param timed            whether rounds report where their time went
     * @param updaterState     what an average does with the updater state
     * @param prefetch         minibatch DataSets each worker reads ahead on a thread of its own; 0: none
     * @param checkpoints      where the workers checkpoint inside an epoch, and how often
     */
    AllReduceAveraging(JavaSparkContext sc, MultiLayerNetwork network, int batchSize, int threadsPerWorker, boolean timed,
                       UpdaterState updaterState, int prefetch, RoundCheckpoints checkpoints) {
        this.sc = sc;
        this.network = network;
        this.configuration = network.getLayerWiseConfigurations().toJson();
        this.batchSize = batchSize;
        this.threadsPerWorker = Math.max(1, threadsPerWorker);
        this.timed = timed;
        this.updaterState = updaterState;
        this.layout = ParamLayout.of(network);
        this.prefetch = prefetch;
        this.checkpoints = checkpoints;
    }

    /** One worker's epoch. */
    static final class WorkerEpoch implements Serializable {
        private static final long serialVersionUID = 1L;
        final int worker;
        /** Where it ran, {@code id@host}. */
        final String executor;
        /** The averaged parameters and updater state after the last round: the first worker's only. */
        final float[] params;
        final float[] updaterState;
        final int iterationCount;
        /** Per round: its losses, minibatches, examples, fit, read and exchange times (its drift sums are in {@code drift}). */
        final RoundRecovery.Progress progress;
        /** Per round: its own drift from the mean, and its slice's sums of the mean's squares. */
        final WorkerMean.Rows drift;
        /** The stage attempt that trained the epoch (0: the first). */
        final int attempt;
        /** The round (0-based) after which that attempt continued from an earlier attempt's average; -1: from the start. */
        final int resumedAfter;

        WorkerEpoch(int worker, String executor, float[] params, float[] updaterState, int iterationCount,
                    RoundRecovery.Progress progress, WorkerMean.Rows drift, int attempt, int resumedAfter) {
            this.worker = worker;
            this.executor = executor;
            this.params = params;
            this.updaterState = updaterState;
            this.iterationCount = iterationCount;
            this.progress = progress;
            this.drift = drift;
            this.attempt = attempt;
            this.resumedAfter = resumedAfter;
        }
    }

    /**
     * Trains one epoch: partition {@code w} of {@code shards} is worker {@code w}'s minibatches,
     * fitted in {@code rounds} rounds of {@code every} minibatches; leaves the average in the
     * driver network.
     *
     * @param rounds rounds of the epoch: those of the worker with the most minibatches (a worker
     *               whose minibatches run out earlier still takes part in the averaging)
     * @param within where a resumed run continues inside this epoch (the driver network holds its
     *               state), or null to train it from its start
     * @return the epoch's rounds; the first carries the stage's fixed costs (broadcast, task
     * launch, results)
     */
    List<RoundMetrics> fit(JavaRDD<DataSet> shards, int rounds, int every, int epoch, RoundContinuation within) {
        long start = System.nanoTime();
        Broadcast<ResidentNetworks.Snapshot> snapshot = sc.broadcast(ResidentNetworks.Snapshot.of(network, configuration));
        long broadcastNanos = System.nanoTime() - start;
        EpochTask task = new EpochTask(id, epoch, snapshot, batchSize, every, rounds, threadsPerWorker, updaterState,
                layout, prefetch, checkpoints, within);
        // The barrier stage writes its results to a shuffle: Spark retries a failed barrier stage
        // whole only when it is a shuffle map stage (a failed barrier result stage aborts the job).
        List<WorkerEpoch> results = new ArrayList<>(shards.rdd().barrier()
                .mapPartitions(task, false, ClassTag$.MODULE$.apply(WorkerEpoch.class)).toJavaRDD()
                .repartition(1).collect());
        snapshot.unpersist(false);
        results.sort(Comparator.comparingInt(r -> r.worker));
        WorkerEpoch first = results.get(0);
        retry = first.attempt == 0 ? null : new EpochRetry(epoch, first.attempt + 1, first.resumedAfter + 1, rounds);
        ResidentNetworks.load(network, first.params, first.updaterState);
        network.getLayerWiseConfigurations()
                .setIterationCount(results.stream().mapToInt(r -> r.iterationCount).max().orElseThrow());
        double wall = (System.nanoTime() - start) / 1e9;
        return rounds(epoch, results, rounds, wall, broadcastNanos / 1e9, timed, layout);
    }

    /**
     * The epoch as rounds: each round's wall time is its slowest worker's fit and exchange, its
     * parts the workers' means; the first round also carries the broadcast and what the stage
     * spent outside the rounds (launching the tasks, loading the parameters, returning results).
     * Its averaging statistics add up the workers' drift sums.
     */
    private static List<RoundMetrics> rounds(int epoch, List<WorkerEpoch> results, int rounds, double wall,
                                             double broadcast, boolean timed, ParamLayout layout) {
        List<RoundMetrics> out = new ArrayList<>();
        double inRounds = 0;
        double[] walls = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            for (WorkerEpoch w : results) {
                RoundRecovery.Progress p = w.progress;
                walls[r] = Math.max(walls[r], (p.fitNanos[r] + p.readNanos[r] + p.exchangeNanos[r]) / 1e9);
            }
            inRounds += walls[r];
        }
        int n = results.size();
        for (int r = 0; r < rounds; r++) {
            double loss = 0;
            int minibatches = 0;
            long examples = 0;
            double fit = 0;
            double read = 0;
            double exchange = 0;
            for (WorkerEpoch w : results) {
                loss += w.progress.lossSums[r];
                minibatches += w.progress.minibatches[r];
                examples += w.progress.examples[r];
                fit += w.progress.fitNanos[r] / 1e9 / n;
                read += w.progress.readNanos[r] / 1e9 / n;
                exchange += w.progress.exchangeNanos[r] / 1e9 / n;
            }
            double roundWall = walls[r] + (r == 0 ? Math.max(0, wall - inRounds) : 0);
            TimeBreakdown time = new TimeBreakdown(r == 0 ? broadcast : 0, fit, exchange, read, 0, 0).within(roundWall);
            WorkerMean.Drift drift = new WorkerMean.Drift(n, layout.tensors());
            double[] losses = new double[n];
            long[] fitNanos = new long[n];
            String[] executors = new String[n];
            for (int j = 0; j < n; j++) {
                WorkerEpoch w = results.get(j);
                drift.add(j, w.drift, r);
                losses[j] = w.progress.minibatches[r] == 0 ? Double.NaN : w.progress.lossSums[r] / w.progress.minibatches[r];
                fitNanos[j] = w.progress.fitNanos[r];
                executors[j] = w.executor;
            }
            out.add(new RoundMetrics(epoch, r + 1, roundWall, minibatches == 0 ? Double.NaN : loss / minibatches, examples,
                    timed ? time : null, drift.stats(layout, losses, fitNanos, executors)));
        }
        return out;
    }

    /** The retry of the epoch {@link #fit} trained last; null when it trained in its first attempt. */
    EpochRetry lastRetry() {
        return retry;
    }

    /** Minibatch iterations trained so far. */
    int iterationCount() {
        return network.getLayerWiseConfigurations().getIterationCount();
    }

    /** What every task of an epoch's barrier stage runs; a class, as Spark ships it to the executors. */
    static final class EpochTask extends AbstractFunction1<scala.collection.Iterator<DataSet>,
            scala.collection.Iterator<WorkerEpoch>> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String run;
        private final int epoch;
        private final Broadcast<ResidentNetworks.Snapshot> snapshot;
        private final int batchSize;
        private final int frequency;
        private final int rounds;
        private final int threads;
        private final UpdaterState updaterState;
        private final ParamLayout layout;
        private final int prefetch;
        private final RoundCheckpoints checkpoints;
        private final RoundContinuation within;

        EpochTask(String run, int epoch, Broadcast<ResidentNetworks.Snapshot> snapshot, int batchSize, int frequency,
                  int rounds, int threads, UpdaterState updaterState, ParamLayout layout, int prefetch,
                  RoundCheckpoints checkpoints, RoundContinuation within) {
            this.run = run;
            this.epoch = epoch;
            this.snapshot = snapshot;
            this.batchSize = batchSize;
            this.frequency = frequency;
            this.rounds = rounds;
            this.threads = threads;
            this.updaterState = updaterState;
            this.layout = layout;
            this.prefetch = prefetch;
            this.checkpoints = checkpoints;
            this.within = within;
        }

        @Override
        public scala.collection.Iterator<WorkerEpoch> apply(scala.collection.Iterator<DataSet> data) {
            BarrierTaskContext ctx = BarrierTaskContext.get();
            MultiLayerNetwork net = ResidentNetworks.take(run, snapshot.value(), threads);
            int worker = ctx.partitionId();
            Iterator<DataSet> source = JavaConverters.asJavaIteratorConverter(data).asJava();
            Prefetcher<DataSet> ahead = prefetch > 0 && Prefetcher.available() ? new Prefetcher<>(source, prefetch, ctx) : null;
            try {
                if (updaterState == UpdaterState.LOCAL) {
                    ResidentNetworks.restoreOwnState(run, worker, epoch, net);
                }
                BlockExchange exchange = new BlockExchange(ctx, run + "_" + epoch + "_" + ctx.stageAttemptNumber());
                RoundRecovery.forgetBefore(run, epoch);
                RoundRecovery.Progress progress = new RoundRecovery.Progress(rounds);
                double[] lossSums = progress.lossSums;
                int[] minibatches = progress.minibatches;
                long[] examples = progress.examples;
                long[] fitNanos = progress.fitNanos;
                long[] readNanos = progress.readNanos;
                long[] exchangeNanos = progress.exchangeNanos;
                WorkerMean.Drift[] drift = progress.drift;
                Iterator<DataSet> batches = new IteratorDataSetIterator(ahead != null ? ahead : source, batchSize);
                FlatState state = new FlatState(net);
                // local and reset exchange the parameters only.
                int exchanged = updaterState == UpdaterState.AVERAGE ? state.length() : layout.parameters();
                // local: every worker's updater state is its own, and not kept for a retry.
                boolean recoverable = updaterState != UpdaterState.LOCAL;
                boolean keeper = exchange.firstOnExecutor();
                int resumedAfter = -1;
                if (recoverable && ctx.stageAttemptNumber() > 0) {
                    float[] v = state.read();
                    resumedAfter = RoundRecovery.resume(run, epoch, worker, exchange, v, progress);
                    if (resumedAfter >= 0) {
                        state.write();
                        if (updaterState == UpdaterState.RESET) {
                            state.resetUpdater();
                        }
                    }
                } else if (recoverable) {
                    RoundRecovery.register(run, epoch, worker, progress);
                }
                if (resumedAfter < 0 && within != null) {
                    // A resumed run: the snapshot holds the average after the checkpointed round.
                    resumedAfter = within.round();
                    progress.restore(within.progress(worker), resumedAfter);
                }
                if (resumedAfter >= 0) {
                    net.getLayerWiseConfigurations().setIterationCount(progress.iterationCount);
                    // The minibatches the rounds before trained: the same ones in every attempt.
                    for (long b = 0; b < (long) (resumedAfter + 1) * frequency && batches.hasNext(); b++) {
                        batches.next();
                    }
                }
                for (int r = resumedAfter + 1; r < rounds; r++) {
                    long fitStart = System.nanoTime();
                    for (int b = 0; b < frequency; b++) {
                        long readStart = System.nanoTime();
                        DataSet batch = batches.hasNext() ? batches.next() : null;
                        readNanos[r] += System.nanoTime() - readStart;
                        if (batch == null) {
                            break;
                        }
                        net.fit(batch);
                        // Spark marks a barrier task killed (a peer failed) without interrupting it: stop here.
                        ctx.killTaskIfInterrupted();
                        lossSums[r] += net.score();
                        minibatches[r]++;
                        examples[r] += batch.numExamples();
                    }
                    long exchangeStart = System.nanoTime();
                    fitNanos[r] = exchangeStart - fitStart - readNanos[r];
                    drift[r] = new WorkerMean.Drift(ctx.numPartitions(), layout.tensors());
                    exchange.mean(state.read(), 0, exchanged, r, layout, drift[r]);
                    state.write();
                    if (updaterState == UpdaterState.RESET) {
                        state.resetUpdater();
                    }
                    exchangeNanos[r] = System.nanoTime() - exchangeStart;
                    if (recoverable) {
                        RoundRecovery.completed(run, epoch, r, state.values(), exchanged, keeper, progress,
                                net.getLayerWiseConfigurations().getIterationCount());
                    }
                    if (checkpoints.due(r, rounds)) {
                        // Its time counts as exchange: the workers wait for each other's files.
                        checkpoints.write(epoch, r, worker, ctx.numPartitions(), progress, state.values(), exchanged,
                                () -> exchange.allGather(""));
                        exchangeNanos[r] = System.nanoTime() - exchangeStart;
                    }
                }
                if (updaterState == UpdaterState.LOCAL && state.length() > exchanged) {
                    // Each worker continues from its own state next epoch; the driver's model gets their mean.
                    ResidentNetworks.keepOwnState(run, worker, epoch, net);
                    exchange.mean(state.read(), exchanged, state.length() - exchanged, rounds, null, null);
                    state.write();
                }
                WorkerMean.Rows rows = WorkerMean.Drift.rows(drift, worker, ctx.numPartitions(), layout.tensors(), exchange);
                exchange.finish();
                boolean first = worker == 0;
                WorkerEpoch out = new WorkerEpoch(worker, ResidentNetworks.executor(),
                        first ? ResidentNetworks.params(net) : null, first ? ResidentNetworks.updaterState(net) : null,
                        net.getLayerWiseConfigurations().getIterationCount(), progress.withoutDrift(), rows,
                        ctx.stageAttemptNumber(), resumedAfter);
                return JavaConverters.asScalaIteratorConverter(Collections.singletonList(out).iterator()).asScala();
            } finally {
                if (ahead != null) {
                    ahead.close();
                }
                ResidentNetworks.give(run, net);
            }
        }
    }

    /** Releases this run's resident networks: here and on every executor. */
    @Override
    public void close() {
        ResidentNetworks.releaseOnEveryExecutor(sc, id);
    }
}
