package io.normdrop.train;

import io.normdrop.metrics.TimeBreakdown;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.core.loader.MultiDataSetLoader;
import org.deeplearning4j.core.storage.StatsStorageRouter;
import org.deeplearning4j.datasets.iterator.IteratorDataSetIterator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.api.TrainingResult;
import org.deeplearning4j.spark.api.TrainingWorker;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Parameter averaging with the networks resident on the executors: dl4j-spark's
 * {@link TrainingMaster} contract (one {@code executeTraining} call fits the given RDD once,
 * then the driver's network holds the average of the workers' parameters and updater state),
 * without what dl4j-spark's {@code ParameterAveragingTrainingMaster} pays on every averaging round:
 * rebuilding each worker's network from its JSON configuration, counting and persisting (serialized)
 * the round's data, and a tree aggregation of its result objects. Here each executor keeps a small
 * pool of networks per master across rounds; a round broadcasts the averaged parameters and updater
 * state once, each task copies them into a pooled network, fits its partition's minibatches
 * straight from the partition's iterator and returns parameters, updater state, mean loss and counts;
 * the driver averages the results. Every worker runs ND4J and OpenBLAS with
 * {@code threadsPerWorker} threads (the cores Spark gives a task), so workers do not oversubscribe
 * the cores. Only MultiLayerNetworks and DataSet RDDs.
 */
public final class ResidentTrainingMaster implements TrainingMaster<ResidentTrainingMaster.Result,
        TrainingWorker<ResidentTrainingMaster.Result>> {
    /** Networks kept on this JVM, by master id; taken by a task for a round and given back. */
    private static final Map<String, Queue<MultiLayerNetwork>> RESIDENT = new ConcurrentHashMap<>();

    private final String id = UUID.randomUUID().toString();
    private final int batchSize;
    private final int threadsPerWorker;
    private String configuration;
    private TimeBreakdown lastRound = TimeBreakdown.ZERO;

    /**
     * @param batchSize        minibatch size each worker fits (DataSets are re-batched to it)
     * @param threadsPerWorker ND4J/BLAS threads of each worker (>= 1)
     */
    public ResidentTrainingMaster(int batchSize, int threadsPerWorker) {
        this.batchSize = batchSize;
        this.threadsPerWorker = Math.max(1, threadsPerWorker);
    }

    /** What the driver ships each round; a class (Kryo cannot build records). */
    static final class Snapshot implements Serializable {
        private static final long serialVersionUID = 1L;
        final String configuration;
        final float[] params;
        final float[] updaterState;
        final int iterationCount;

        Snapshot(String configuration, float[] params, float[] updaterState, int iterationCount) {
            this.configuration = configuration;
            this.params = params;
            this.updaterState = updaterState;
            this.iterationCount = iterationCount;
        }
    }

    /** One worker's round. */
    public static final class Result implements TrainingResult, Serializable {
        private static final long serialVersionUID = 1L;
        // Plain float arrays: Kryo copies them in bulk, several times faster than ND4J's INDArray serializer.
        final float[] params;
        final float[] updaterState;
        final double lossSum;
        final int minibatches;
        final long examples;
        final int iterationCount;
        final long fitNanos;

        Result(float[] params, float[] updaterState, double lossSum, int minibatches, long examples, int iterationCount,
               long fitNanos) {
            this.params = params;
            this.updaterState = updaterState;
            this.lossSum = lossSum;
            this.minibatches = minibatches;
            this.examples = examples;
            this.iterationCount = iterationCount;
            this.fitNanos = fitNanos;
        }

        @Override
        public void setStats(SparkTrainingStats stats) {
            // Normdrop's own breakdown (lastRound) replaces dl4j-spark's statistics here.
        }
    }

    @Override
    public void executeTraining(SparkDl4jMultiLayer spark, JavaRDD<DataSet> data) {
        long start = System.nanoTime();
        MultiLayerNetwork network = spark.getNetwork();
        if (configuration == null) {
            configuration = network.getLayerWiseConfigurations().toJson();
        }
        INDArray state = network.getUpdater() == null ? null : network.getUpdater().getStateViewArray();
        Broadcast<Snapshot> snapshot = spark.getSparkContext().broadcast(new Snapshot(configuration,
                network.params().toFloatVector(), state == null ? null : state.toFloatVector(),
                network.getLayerWiseConfigurations().getIterationCount()));
        long broadcastNanos = System.nanoTime() - start;
        String master = id;
        int batch = batchSize;
        int threads = threadsPerWorker;
        List<Result> results = data.mapPartitions(it -> it.hasNext()
                ? List.of(fit(master, snapshot.value(), it, batch, threads)).iterator()
                : java.util.Collections.<Result>emptyIterator()).collect();
        long aggregateStart = System.nanoTime();
        snapshot.unpersist(false);
        if (results.isEmpty()) {
            return;
        }
        float[] params = results.get(0).params.clone();
        float[] updater = results.get(0).updaterState == null ? null : results.get(0).updaterState.clone();
        double loss = 0;
        int minibatches = 0;
        int iterations = 0;
        long fitNanos = 0;
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
            fitNanos += r.fitNanos;
        }
        float workers = results.size();
        scale(params, 1 / workers);
        network.params().assign(Nd4j.create(params, network.params().shape(), 'c'));
        if (updater != null) {
            scale(updater, 1 / workers);
            INDArray view = network.getUpdater().getStateViewArray();
            view.assign(Nd4j.create(updater, view.shape(), 'c'));
        }
        network.getLayerWiseConfigurations().setIterationCount(iterations);
        spark.setScore(minibatches == 0 ? Double.NaN : loss / minibatches);
        long end = System.nanoTime();
        double wall = (end - start) / 1e9;
        double fit = fitNanos / 1e9 / results.size();
        double broadcast = broadcastNanos / 1e9;
        double aggregation = (end - aggregateStart) / 1e9;
        // The rest of the round: scheduling the tasks, reading the round's reshuffled partitions
        // (Spark computes them before the task's function runs), shipping the results.
        lastRound = new TimeBreakdown(broadcast, fit, aggregation, 0, 0, Math.max(0, wall - broadcast - fit - aggregation));
    }

    /** Fits one partition on a resident network of this JVM. */
    static Result fit(String master, Snapshot s, java.util.Iterator<DataSet> data, int batchSize, int n) {
        if (Nd4j.getEnvironment().maxThreads() != n) {
            Nd4j.getEnvironment().setMaxThreads(n);
            Nd4j.getEnvironment().setMaxMasterThreads(n);
            Nd4j.factory().blas().setMaxThreads(n);
        }
        Queue<MultiLayerNetwork> pool = RESIDENT.computeIfAbsent(master, k -> new ConcurrentLinkedQueue<>());
        MultiLayerNetwork net = pool.poll();
        if (net == null) {
            net = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(s.configuration));
            net.init();
        }
        try {
            net.params().assign(Nd4j.create(s.params, net.params().shape(), 'c'));
            if (s.updaterState != null) {
                INDArray view = net.getUpdater().getStateViewArray();
                view.assign(Nd4j.create(s.updaterState, view.shape(), 'c'));
            }
            net.getLayerWiseConfigurations().setIterationCount(s.iterationCount);
            long t0 = System.nanoTime();
            double lossSum = 0;
            int minibatches = 0;
            long examples = 0;
            IteratorDataSetIterator batches = new IteratorDataSetIterator(data, batchSize);
            while (batches.hasNext()) {
                DataSet batch = batches.next();
                net.fit(batch);
                lossSum += net.score();
                minibatches++;
                examples += batch.numExamples();
            }
            long fitNanos = System.nanoTime() - t0;
            INDArray state = net.getUpdater() == null ? null : net.getUpdater().getStateViewArray();
            return new Result(net.params().toFloatVector(), state == null ? null : state.toFloatVector(), lossSum, minibatches, examples,
                    net.getLayerWiseConfigurations().getIterationCount(), fitNanos);
        } finally {
            pool.offer(net);
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

    /**
     * Where the last round's time went: broadcast (the driver's snapshot), mean worker fit,
     * aggregation (averaging on the driver), other (scheduling, reading the round's partitions,
     * shipping results).
     */
    public TimeBreakdown lastRound() {
        return lastRound;
    }

    @Override
    public boolean deleteTempFiles(JavaSparkContext sc) {
        return deleteTempFiles(sc.sc());
    }

    /** Drops this master's resident networks: here, and best effort on the executors. */
    @Override
    public boolean deleteTempFiles(SparkContext sc) {
        RESIDENT.remove(id);
        if (!sc.isLocal() && !sc.isStopped()) {
            String master = id;
            int tasks = Math.max(1, sc.defaultParallelism()) * 2;
            new JavaSparkContext(sc).parallelize(java.util.stream.IntStream.range(0, tasks).boxed().toList(), tasks)
                    .foreach(i -> RESIDENT.remove(master));
        }
        return true;
    }

    // ---- the rest of dl4j-spark's TrainingMaster: what this master does not do ------------

    @Override
    public TrainingWorker<Result> getWorkerInstance(SparkDl4jMultiLayer network) {
        throw new UnsupportedOperationException("the resident master trains with its own executor-side loop");
    }

    @Override
    public TrainingWorker<Result> getWorkerInstance(SparkComputationGraph graph) {
        throw unsupported();
    }

    @Override
    public void executeTrainingPaths(SparkDl4jMultiLayer network, SparkComputationGraph graph, JavaRDD<String> paths,
                                     DataSetLoader dsLoader, MultiDataSetLoader mdsLoader) {
        throw unsupported();
    }

    @Override
    public void executeTraining(SparkComputationGraph graph, JavaRDD<DataSet> data) {
        throw unsupported();
    }

    @Override
    public void executeTrainingMDS(SparkComputationGraph graph, JavaRDD<MultiDataSet> data) {
        throw unsupported();
    }

    private static UnsupportedOperationException unsupported() {
        return new UnsupportedOperationException("the resident master trains MultiLayerNetworks from DataSet RDDs only");
    }

    @Override
    public void removeHook(TrainingHook hook) {
        throw new UnsupportedOperationException("training hooks are not supported by the resident master");
    }

    @Override
    public void addHook(TrainingHook hook) {
        throw new UnsupportedOperationException("training hooks are not supported by the resident master");
    }

    @Override
    public String toJson() {
        return "{\"master\":\"resident\",\"batchSizePerWorker\":" + batchSize + ",\"threadsPerWorker\":" + threadsPerWorker + "}";
    }

    @Override
    public String toYaml() {
        return "master: resident\nbatchSizePerWorker: " + batchSize + "\nthreadsPerWorker: " + threadsPerWorker + "\n";
    }

    @Override
    public void setCollectTrainingStats(boolean collect) {
        // Always collected: lastRound().
    }

    @Override
    public boolean getIsCollectTrainingStats() {
        return false;
    }

    @Override
    public SparkTrainingStats getTrainingStats() {
        return null;
    }

    @Override
    public void setListeners(Collection<TrainingListener> listeners) {
        if (listeners != null && !listeners.isEmpty()) {
            throw new UnsupportedOperationException("listeners are not supported by the resident master");
        }
    }

    @Override
    public void setListeners(StatsStorageRouter router, Collection<TrainingListener> listeners) {
        setListeners(listeners);
    }
}
