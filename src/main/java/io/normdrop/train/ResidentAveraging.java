package io.normdrop.train;

import io.normdrop.metrics.TimeBreakdown;
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
 * (the cores Spark gives a task), so workers do not oversubscribe the cores.
 */
final class ResidentAveraging implements Averaging {
    private final String id = UUID.randomUUID().toString();
    private final JavaSparkContext sc;
    private final MultiLayerNetwork network;
    private final String configuration;
    private final int batchSize;
    private final int threadsPerWorker;
    private final boolean timed;

    /**
     * @param network          the driver's network, which holds the average after every round
     * @param batchSize        minibatch size each worker fits (DataSets are re-batched to it)
     * @param threadsPerWorker ND4J/BLAS threads of each worker (>= 1)
     * @param timed            whether rounds report where their time went
     */
    ResidentAveraging(JavaSparkContext sc, MultiLayerNetwork network, int batchSize, int threadsPerWorker, boolean timed) {
        this.sc = sc;
        this.network = network;
        this.configuration = network.getLayerWiseConfigurations().toJson();
        this.batchSize = batchSize;
        this.threadsPerWorker = Math.max(1, threadsPerWorker);
        this.timed = timed;
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

        Result(float[] params, float[] updaterState, double lossSum, int minibatches, int iterationCount, long fitNanos) {
            this.params = params;
            this.updaterState = updaterState;
            this.lossSum = lossSum;
            this.minibatches = minibatches;
            this.iterationCount = iterationCount;
            this.fitNanos = fitNanos;
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
        List<Result> results = data.mapPartitions(it -> it.hasNext()
                ? List.of(fit(run, snapshot.value(), it, batch, threads)).iterator()
                : Collections.<Result>emptyIterator()).collect();
        long aggregateStart = System.nanoTime();
        snapshot.unpersist(false);
        double loss = average(results);
        long end = System.nanoTime();
        double wall = (end - start) / 1e9;
        if (!timed || results.isEmpty()) {
            return new Round(loss, wall, null);
        }
        double fit = results.stream().mapToLong(r -> r.fitNanos).sum() / 1e9 / results.size();
        // The rest of the round: scheduling the tasks, reading the round's reshuffled partitions
        // (Spark computes them before the task's function runs), shipping the results.
        return new Round(loss, wall, new TimeBreakdown(broadcastNanos / 1e9, fit, (end - aggregateStart) / 1e9, 0, 0, 0)
                .within(wall));
    }

    /** Puts the mean of the workers' parameters and updater state into the driver network; the mean loss. */
    private double average(List<Result> results) {
        if (results.isEmpty()) {
            return Double.NaN;
        }
        float[] params = results.get(0).params.clone();
        float[] updater = results.get(0).updaterState == null ? null : results.get(0).updaterState.clone();
        double loss = 0;
        int minibatches = 0;
        int iterations = 0;
        for (int i = 0; i < results.size(); i++) {
            Result r = results.get(i);
            if (i > 0) {
                add(params, r.params);
                if (updater != null) {
                    add(updater, r.updaterState);
                }
            }
            loss += r.lossSum;
            minibatches += r.minibatches;
            iterations = Math.max(iterations, r.iterationCount);
        }
        float workers = results.size();
        scale(params, 1 / workers);
        if (updater != null) {
            scale(updater, 1 / workers);
        }
        ResidentNetworks.load(network, params, updater);
        network.getLayerWiseConfigurations().setIterationCount(iterations);
        return minibatches == 0 ? Double.NaN : loss / minibatches;
    }

    @Override
    public int iterationCount() {
        return network.getLayerWiseConfigurations().getIterationCount();
    }

    /** Fits one partition on a resident network of this JVM. */
    static Result fit(String run, ResidentNetworks.Snapshot s, java.util.Iterator<DataSet> data, int batchSize, int n) {
        MultiLayerNetwork net = ResidentNetworks.take(run, s, n);
        try {
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
            return new Result(ResidentNetworks.params(net), ResidentNetworks.updaterState(net), lossSum, minibatches,
                    net.getLayerWiseConfigurations().getIterationCount(), fitNanos);
        } finally {
            ResidentNetworks.give(run, net);
        }
    }

    private static void add(float[] sum, float[] x) {
        for (int i = 0; i < sum.length; i++) {
            sum[i] += x[i];
        }
    }

    private static void scale(float[] x, float factor) {
        for (int i = 0; i < x.length; i++) {
            x[i] *= factor;
        }
    }

    /** Drops this run's resident networks: here, and best effort on the executors. */
    @Override
    public void close() {
        ResidentNetworks.drop(sc, id);
    }
}
