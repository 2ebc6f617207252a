package io.normdrop.train;

import io.normdrop.nn.LearningRates;
import io.normdrop.nn.VectorizedAdam;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;

/**
 * The workers' networks, kept on each executor JVM across rounds and epochs of one training run
 * (building a network from its JSON configuration costs more than a round's averaging). A task
 * borrows one, loads the driver's {@link Snapshot} into it, trains, and gives it back. Workers that
 * keep their own updater state between averagings keep it here too.
 */
final class ResidentNetworks {
    /** Networks kept on this JVM, by training run. */
    private static final Map<String, Queue<MultiLayerNetwork>> POOLS = new ConcurrentHashMap<>();
    /** Each worker's own updater state ({@code training.averaging.updaterState = local}), by run and worker. */
    private static final Map<String, OwnState> OWN_STATES = new ConcurrentHashMap<>();

    /** A worker's updater state as it was at the end of step {@code step} (an epoch, or a round). */
    private record OwnState(long step, float[] state) {
    }

    private ResidentNetworks() {
    }

    /** What the driver ships to the workers; a class (Kryo cannot build records). */
    static final class Snapshot implements Serializable {
        private static final long serialVersionUID = 1L;
        final String configuration;
        // Plain float arrays: Kryo copies them in bulk, several times faster than ND4J's INDArray serializer.
        final float[] params;
        final float[] updaterState;
        final int iterationCount;
        // The learning rate's schedule reads both counts.
        final int epochCount;
        // The driver's constant rate (the plateau schedule changes it between epochs); NaN under a schedule.
        final double learningRate;

        private Snapshot(String configuration, float[] params, float[] updaterState, int iterationCount, int epochCount,
                         double learningRate) {
            this.configuration = configuration;
            this.params = params;
            this.updaterState = updaterState;
            this.iterationCount = iterationCount;
            this.epochCount = epochCount;
            this.learningRate = learningRate;
        }

        static Snapshot of(MultiLayerNetwork network, String configuration) {
            return new Snapshot(configuration, params(network), updaterState(network),
                    network.getLayerWiseConfigurations().getIterationCount(),
                    network.getLayerWiseConfigurations().getEpochCount(), LearningRates.constant(network));
        }
    }

    /**
     * A network of run {@code run} holding {@code s}, with ND4J and BLAS on {@code threads}
     * threads, from this JVM's pool (or built); give it back with {@link #giveBack}.
     */
    static MultiLayerNetwork borrow(String run, Snapshot s, int threads) {
        if (Nd4j.getEnvironment().maxThreads() != threads) {
            Nd4j.getEnvironment().setMaxThreads(threads);
            Nd4j.getEnvironment().setMaxMasterThreads(threads);
            Nd4j.factory().blas().setMaxThreads(threads);
        }
        MultiLayerNetwork net = POOLS.computeIfAbsent(run, k -> new ConcurrentLinkedQueue<>()).poll();
        if (net == null) {
            net = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(s.configuration));
            net.init();
            VectorizedAdam.install(net); // the same Adam, 4-5 ms a step faster here (VectorizedAdam)
        }
        if (!Double.isNaN(s.learningRate) && s.learningRate != LearningRates.constant(net)) {
            LearningRates.set(net, s.learningRate);
        }
        load(net, s.params, s.updaterState);
        net.getLayerWiseConfigurations().setIterationCount(s.iterationCount);
        net.getLayerWiseConfigurations().setEpochCount(s.epochCount);
        return net;
    }

    /** Copies {@code params} and {@code updaterState} (null for a stateless updater) into {@code net}. */
    static void load(MultiLayerNetwork net, float[] params, float[] updaterState) {
        net.params().assign(Nd4j.create(params, net.params().shape(), 'c'));
        if (updaterState != null) {
            INDArray view = net.getUpdater().getStateViewArray();
            view.assign(Nd4j.create(updaterState, view.shape(), 'c'));
        }
    }

    /**
     * Keeps {@code net}'s updater state as worker {@code worker}'s own at the end of
     * {@code step} (the allreduce master's epoch, the resident master's round), for
     * {@link #restoreOwnState}.
     */
    static void keepOwnState(String run, int worker, long step, MultiLayerNetwork net) {
        float[] state = updaterState(net);
        if (state != null) {
            OWN_STATES.put(run + "/" + worker, new OwnState(step, state));
        }
    }

    /**
     * Puts worker {@code worker}'s own updater state back into {@code net} for {@code step}, if
     * this JVM kept it from an earlier step. A task that moved to another executor, or a retry of
     * a failed step (whose attempt may have kept its state already), starts from the state the
     * driver shipped.
     */
    static void restoreOwnState(String run, int worker, long step, MultiLayerNetwork net) {
        OwnState own = OWN_STATES.get(run + "/" + worker);
        if (own != null && own.step() < step) {
            INDArray view = net.getUpdater().getStateViewArray();
            view.assign(Nd4j.create(own.state(), view.shape(), 'c'));
        }
    }

    /** Returns a network {@link #borrow} lent to this JVM's pool of run {@code run}, for the next task. */
    static void giveBack(String run, MultiLayerNetwork net) {
        POOLS.computeIfAbsent(run, k -> new ConcurrentLinkedQueue<>()).offer(net);
    }

    static float[] params(MultiLayerNetwork net) {
        return net.params().toFloatVector();
    }

    /** The updater's state (Adam's moments), or null for a stateless updater. */
    static float[] updaterState(MultiLayerNetwork net) {
        INDArray state = net.getUpdater() == null ? null : net.getUpdater().getStateViewArray();
        return state == null ? null : state.toFloatVector();
    }

    /** This JVM's executor, as {@code id@host}. */
    static String executor() {
        SparkEnv env = SparkEnv.get();
        return env.executorId() + "@" + env.blockManager().blockManagerId().host();
    }

    /** Drops run {@code run}'s networks and kept states on this JVM (its kept averages too: {@link RoundRecovery}). */
    static void forget(String run) {
        POOLS.remove(run);
        OWN_STATES.keySet().removeIf(k -> k.startsWith(run + "/"));
        RoundRecovery.forget(run);
    }

    /** Drops run {@code run}'s networks and kept states: here, and best effort on the executors. */
    static void drop(JavaSparkContext sc, String run) {
        forget(run);
        if (!sc.isLocal() && !sc.sc().isStopped()) {
            int tasks = Math.max(1, sc.defaultParallelism()) * 2;
            sc.parallelize(IntStream.range(0, tasks).boxed().toList(), tasks).foreach(i -> forget(run));
        }
    }
}
