package io.normdrop.train;

import io.normdrop.config.AveragingSpec.UpdaterState;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.UUID;

/**
 * The driver's side of a training run whose workers' networks stay on the executors
 * ({@link ResidentNetworks}), as both Normdrop masters run it: the driver network, how every
 * worker fits, the broadcast of the driver's parameters that starts each round ({@code resident})
 * or epoch ({@code allreduce}), and loading the workers' average back. Closing it drops the run's
 * networks from the executors.
 */
final class ResidentRun implements AutoCloseable {
    /** Tells this run's pooled networks and kept states apart from other runs' on an executor. */
    final String id = UUID.randomUUID().toString();
    final JavaSparkContext sc;
    /** The driver's network, which holds the average after every round. */
    final MultiLayerNetwork network;
    /** Minibatch size each worker fits. */
    final int batchSize;
    /** ND4J/BLAS threads of each worker (>= 1). */
    final int threadsPerWorker;
    /** Whether rounds report where their time went. */
    final boolean timed;
    /** What an average does with the updater state. */
    final UpdaterState updaterState;
    final ParamLayout layout;
    private final String configuration;

    ResidentRun(JavaSparkContext sc, MultiLayerNetwork network, int batchSize, int threadsPerWorker, boolean timed,
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

    /** The driver network's parameters and state as broadcast to the workers, and what the broadcast took. */
    record Shipped(Broadcast<ResidentNetworks.Snapshot> snapshot, double seconds) {
    }

    /** Broadcasts the driver network as it is now; unpersist the broadcast once its workers have it. */
    Shipped ship() {
        long start = System.nanoTime();
        Broadcast<ResidentNetworks.Snapshot> snapshot = sc.broadcast(ResidentNetworks.Snapshot.of(network, configuration));
        return new Shipped(snapshot, (System.nanoTime() - start) / 1e9);
    }

    /**
     * Puts the workers' average ({@code updaterState} null for a stateless updater) into the
     * driver network, with the most iterations any worker trained.
     */
    void load(float[] params, float[] updaterState, int iterationCount) {
        ResidentNetworks.load(network, params, updaterState);
        network.getLayerWiseConfigurations().setIterationCount(iterationCount);
    }

    /** Minibatch iterations trained so far. */
    int iterationCount() {
        return network.getLayerWiseConfigurations().getIterationCount();
    }

    /** Releases this run's resident networks: here and on every executor. */
    @Override
    public void close() {
        ResidentNetworks.releaseOnEveryExecutor(sc, id);
    }
}
