package io.normdrop.train;

import io.normdrop.config.AveragingSpec.UpdaterState;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.datasets.iterator.IteratorDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import scala.collection.JavaConverters;
import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.util.Collections;
import java.util.Iterator;

/**
 * What every task of an allreduce epoch's barrier stage runs on its executor: worker
 * {@code partitionId}'s share of the epoch, fitted on a resident network {@code period}
 * minibatches a round, each round ended by the mean over all workers ({@link BlockExchange}),
 * recorded for a retry ({@link RoundRecovery}) and, when due, checkpointed ({@link RoundCheckpoints}).
 * A class, as Spark ships it to the executors.
 */
final class AllReduceTask extends AbstractFunction1<scala.collection.Iterator<DataSet>,
        scala.collection.Iterator<AllReduceTask.WorkerEpoch>> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String run;
    private final int epoch;
    private final Broadcast<ResidentNetworks.Snapshot> snapshot;
    private final int batchSize;
    private final int period;
    private final int rounds;
    private final int threads;
    private final UpdaterState updaterState;
    private final ParamLayout layout;
    private final int prefetch;
    private final RoundCheckpoints checkpoints;
    private final RoundContinuation within;

    AllReduceTask(String run, int epoch, Broadcast<ResidentNetworks.Snapshot> snapshot, int batchSize, int period,
              int rounds, int threads, UpdaterState updaterState, ParamLayout layout, int prefetch,
              RoundCheckpoints checkpoints, RoundContinuation within) {
        this.run = run;
        this.epoch = epoch;
        this.snapshot = snapshot;
        this.batchSize = batchSize;
        this.period = period;
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
        MultiLayerNetwork net = ResidentNetworks.borrow(run, snapshot.value(), threads);
        int worker = ctx.partitionId();
        Iterator<DataSet> source = JavaConverters.asJavaIteratorConverter(data).asJava();
        Prefetcher<DataSet> ahead = prefetch > 0 && Prefetcher.available() ? new Prefetcher<>(source, prefetch, ctx) : null;
        try {
            if (updaterState == UpdaterState.LOCAL) {
                ResidentNetworks.restoreOwnState(run, worker, epoch, net);
            }
            BlockExchange exchange = new BlockExchange(ctx, run + "_" + epoch + "_" + ctx.stageAttemptNumber());
            RoundRecovery.releaseBefore(run, epoch);
            RoundRecovery.Progress progress = new RoundRecovery.Progress(rounds);
            double[] lossSums = progress.lossSums;
            int[] minibatches = progress.minibatches;
            long[] examples = progress.examples;
            long[] fitNanos = progress.fitNanos;
            long[] readNanos = progress.readNanos;
            long[] exchangeNanos = progress.exchangeNanos;
            DriftSums[] drift = progress.drift;
            Iterator<DataSet> batches = new IteratorDataSetIterator(ahead != null ? ahead : source, batchSize);
            StateVector state = new StateVector(net);
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
                for (long b = 0; b < (long) (resumedAfter + 1) * period && batches.hasNext(); b++) {
                    batches.next();
                }
            }
            for (int r = resumedAfter + 1; r < rounds; r++) {
                long fitStart = System.nanoTime();
                for (int b = 0; b < period; b++) {
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
                drift[r] = new DriftSums(ctx.numPartitions(), layout);
                exchange.mean(state.read(), 0, exchanged, r, drift[r]);
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
                exchange.mean(state.read(), exchanged, state.length() - exchanged, rounds, DriftSums.NONE);
                state.write();
            }
            DriftSums.PerWorker rows = DriftSums.perWorker(drift, worker, ctx.numPartitions(), layout.tensors(), exchange);
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
            ResidentNetworks.giveBack(run, net);
        }
    }

    /** One worker's epoch, as its task returns it to the driver. */
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
        final DriftSums.PerWorker drift;
        /** The stage attempt that trained the epoch (0: the first). */
        final int attempt;
        /** The round (0-based) after which that attempt continued from an earlier attempt's average; -1: from the start. */
        final int resumedAfter;

        WorkerEpoch(int worker, String executor, float[] params, float[] updaterState, int iterationCount,
                    RoundRecovery.Progress progress, DriftSums.PerWorker drift, int attempt, int resumedAfter) {
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
}
