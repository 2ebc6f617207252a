package io.normdrop.train;

import io.normdrop.config.AveragingSpec.UpdaterState;
import io.normdrop.metrics.AveragingStats;
import io.normdrop.metrics.TimeBreakdown;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.datasets.iterator.IteratorDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

import java.io.Serializable;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * Parameter averaging with the networks resident on the executors, without what dl4j-spark's
 * {@code ParameterAveragingTrainingMaster} pays on every round: rebuilding each worker's network
 * from its JSON configuration, counting and persisting (serialized) the round's data, and a tree
 * aggregation of its result objects. Each executor keeps a small pool of networks per averaging
 * run across rounds; a round broadcasts the averaged parameters and updater state once, each task
 * copies them into a pooled network, fits its partition's minibatches straight from the
 * partition's iterator and returns parameters, updater state, mean loss and counts; the driver
 * averages the results. Every worker runs ND4J and OpenBLAS with {@code threadsPerWorker} threads
 * (the cores Spark gives a task), so workers do not oversubscribe the cores. The driver measures
 * the workers' drift as it averages ({@link WorkerMean}).
 */
final class ResidentAveraging implements Averaging {
    private final String id = UUID.randomUUID().toString();
    private final JavaSparkContext sc;
    private final MultiLayerNetwork network;
    private final String configuration;
    private final int batchSize;
    private final int threadsPerWorker;
    private final boolean timed;
    private final UpdaterState updaterState;
    private final ParamLayout layout;

    /**
     * @param network          the driver's network, which holds the average after every round
     * @param batchSize        minibatch size each worker fits (DataSets are re-batched to it)
     * @param threadsPerWorker ND4J/BLAS threads of each worker (>= 1)
     * @param timed            whether rounds report where their time went
     * @param updaterState     what an average does with the updater state
     */
    ResidentAveraging(JavaSparkContext sc, MultiLayerNetwork network, int batchSize, int threadsPerWorker, boolean timed,
                      UpdaterState updaterState) {
        this.sc = sc;
        this.network = network;
        this.configuration = network.getLayerWiseConfigurations().toJson();
        this.batchSize = batchSize;
        this.threadsPerWorker = Math.max(1, threadsPerWorker);
        this.timed = timed;
        this.updaterState = updaterState;
        this.layout = ParamLayout.of(network);
    }

    /** One worker's round. */
    static final class Result implements Serializable {
        private static final long serialVersionUID = 1L;
        // Plain float arrays: Kryo copies them in bulk, several times faster than ND4J's INDArray serializer.
        final float[] params;
        final float[] updaterState;
        final double lossSum;
        final int minibatches;
        final int iterationCount;
        final long fitNanos;
        /** Where it ran, {@code id@host}. */
        final String executor;

        Result(float[] params, float[] updaterState, double lossSum, int minibatches, int iterationCount, long fitNanos,
               String executor) {
            this.params = params;
            this.updaterState = updaterState;
            this.lossSum = lossSum;
            this.minibatches = minibatches;
            this.iterationCount = iterationCount;
            this.fitNanos = fitNanos;
            this.executor = executor;
        }
    }

    @Override
    public Round fit(JavaRDD<DataSet> data) {
        long start = System.nanoTime();
        Broadcast<ResidentNetworks.Snapshot> snapshot = sc.broadcast(ResidentNetworks.Snapshot.of(network, configuration));
        long broadcastNanos = System.nanoTime() - start;
        String run = id;
        int batch = batchSize;
        int threads = threadsPerWorker;
        boolean local = updaterState == UpdaterState.LOCAL;
        List<Result> results = data.mapPartitions(it -> it.hasNext()
                ? List.of(fit(run, snapshot.value(), it, batch, threads, local)).iterator()
                : Collections.<Result>emptyIterator()).collect();
        long aggregateStart = System.nanoTime();
        snapshot.unpersist(false);
        WorkerMean.Drift drift = results.isEmpty() ? null : new WorkerMean.Drift(results.size(), layout.tensors());
        double loss = average(results, drift);
        long end = System.nanoTime();
        double wall = (end - start) / 1e9;
        AveragingStats stats = drift == null ? null : drift.stats(layout,
                results.stream().mapToDouble(r -> r.minibatches == 0 ? Double.NaN : r.lossSum / r.minibatches).toArray(),
                results.stream().mapToLong(r -> r.fitNanos).toArray(),
                results.stream().map(r -> r.executor).toArray(String[]::new));
        if (!timed || results.isEmpty()) {
            return new Round(loss, wall, null, stats);
        }
        double fit = results.stream().mapToLong(r -> r.fitNanos).sum() / 1e9 / results.size();
        // The rest of the round: scheduling the tasks, reading the round's reshuffled partitions
        // (Spark computes them before the task's function runs), shipping the results.
        return new Round(loss, wall, new TimeBreakdown(broadcastNanos / 1e9, fit, (end - aggregateStart) / 1e9, 0, 0, 0)
                .within(wall), stats);
    }

    /**
     * Puts the mean of the workers' parameters (adding their drift to {@code drift}) and updater
     * state (zeros with {@code reset}) into the driver network; the mean loss.
     */
    private double average(List<Result> results, WorkerMean.Drift drift) {
        if (results.isEmpty()) {
            return Double.NaN;
        }
        float[][] params = results.stream().map(r -> r.params).toArray(float[][]::new);
        float[] mean = new float[params[0].length];
        WorkerMean.mean(params, 0, mean.length, mean, layout, drift);
        float[] updater = null;
        if (results.get(0).updaterState != null) {
            updater = new float[results.get(0).updaterState.length];
            if (updaterState != UpdaterState.RESET) {
                WorkerMean.mean(results.stream().map(r -> r.updaterState).toArray(float[][]::new), 0, updater.length,
                        updater, null, null);
            }
        }
        double loss = 0;
        int minibatches = 0;
        int iterations = 0;
        for (Result r : results) {
            loss += r.lossSum;
            minibatches += r.minibatches;
            iterations = Math.max(iterations, r.iterationCount);
        }
        ResidentNetworks.load(network, mean, updater);
        network.getLayerWiseConfigurations().setIterationCount(iterations);
        return minibatches == 0 ? Double.NaN : loss / minibatches;
    }

    @Override
    public int iterationCount() {
        return network.getLayerWiseConfigurations().getIterationCount();
    }

    /**
     * Fits one partition on a resident network of this JVM.
     *
     * @param local whether the worker continues from its own updater state (kept on this JVM)
     */
    static Result fit(String run, ResidentNetworks.Snapshot s, java.util.Iterator<DataSet> data, int batchSize, int n,
                      boolean local) {
        MultiLayerNetwork net = ResidentNetworks.take(run, s, n);
        int worker = TaskContext.getPartitionId();
        // Rounds are told apart by the iterations trained before them, the same for all their workers.
        long round = s.iterationCount;
        try {
            if (local) {
                ResidentNetworks.restoreOwnState(run, worker, round, net);
            }
            long t0 = System.nanoTime();
            double lossSum = 0;
            int minibatches = 0;
            IteratorDataSetIterator batches = new IteratorDataSetIterator(data, batchSize);
            while (batches.hasNext()) {
                DataSet batch = batches.next();
                net.fit(batch);
                lossSum += net.score();
                minibatches++;
            }
            long fitNanos = System.nanoTime() - t0;
            if (local) {
                ResidentNetworks.keepOwnState(run, worker, round, net);
            }
            return new Result(ResidentNetworks.params(net), ResidentNetworks.updaterState(net), lossSum, minibatches,
                    net.getLayerWiseConfigurations().getIterationCount(), fitNanos, ResidentNetworks.executor());
        } finally {
            ResidentNetworks.give(run, net);
        }
    }

    /** Releases this run's resident networks: here and on every executor. */
    @Override
    public void close() {
        ResidentNetworks.releaseOnEveryExecutor(sc, id);
    }
}
