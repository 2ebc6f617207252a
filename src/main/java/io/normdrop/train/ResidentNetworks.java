package io.normdrop.train;

import io.normdrop.nn.LearningRates;
import io.normdrop.nn.VectorizedAdam;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.status.api.v1.ExecutorSummary;
import org.apache.spark.util.Utils;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;
import scala.collection.JavaConverters;
import scala.collection.Seq;
import scala.reflect.ClassTag$;

import java.io.Serializable;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The workers' networks, kept on each executor JVM across rounds and epochs of one training run
 * (building a network from its JSON configuration costs more than a round's averaging). A task
 * borrows one, loads the driver's {@link Snapshot} into it, trains, and gives it back. Workers that
 * keep their own updater state between averagings keep it here too. When the run ends, the driver
 * releases all of it, in its own JVM and on every executor ({@link #releaseOnEveryExecutor}).
 */
final class ResidentNetworks {
    /** Networks kept on this JVM, by training run. */
    private static final Map<String, Queue<MultiLayerNetwork>> POOLS = new ConcurrentHashMap<>();
    private static final int RELEASED_KEPT = 1024;
    /**
     * The runs released here lately, so that a task of one that finishes late keeps nothing. Run
     * ids are unique; such a task ends seconds after its run, so the last {@value #RELEASED_KEPT} suffice.
     */
    private static final Set<String> RELEASED = Collections.synchronizedSet(Collections.newSetFromMap(
            new LinkedHashMap<>() {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > RELEASED_KEPT;
                }
            }));
    /** Networks built here (the pools' misses). */
    private static final AtomicLong BUILT = new AtomicLong();
    /** Sweeps of tasks that {@link #releaseOnEveryExecutor} sends to the executors it has not reached yet. */
    static final int RELEASE_SWEEPS = 3;
    private static final Logger LOG = LoggerFactory.getLogger(ResidentNetworks.class);
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
            BUILT.incrementAndGet();
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
            // A late task of a released run (see releaseInThisJvm) keeps nothing.
            if (RELEASED.contains(run)) {
                OWN_STATES.remove(run + "/" + worker);
            }
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

    /**
     * Returns a network {@link #borrow} lent to this JVM's pool of run {@code run}, for the next
     * task; not kept once the run was released.
     */
    static void giveBack(String run, MultiLayerNetwork net) {
        POOLS.computeIfAbsent(run, k -> new ConcurrentLinkedQueue<>()).offer(net);
        // After the offer: releaseInThisJvm marks the run before it empties the pools.
        if (RELEASED.contains(run)) {
            POOLS.remove(run);
        }
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

    /**
     * Releases run {@code run}'s networks and kept states in this JVM (its kept averages too:
     * {@link RoundRecovery}). A network given back to the run afterwards, by a task of a stage
     * attempt that Spark gave up on and that finishes late, is not kept.
     */
    static void releaseInThisJvm(String run) {
        RELEASED.add(run);
        POOLS.remove(run);
        OWN_STATES.keySet().removeIf(k -> k.startsWith(run + "/"));
        RoundRecovery.release(run);
    }

    /**
     * Releases run {@code run}'s networks and kept states in the driver's JVM and on every executor
     * of {@code sc}. In local mode the driver's JVM is the only executor. On a cluster, one task per
     * live executor, each placed on its executor ({@code executor_HOST_ID}) and reporting where it
     * ran; executors that a task missed (Spark runs a task elsewhere when its executor stays busy
     * beyond {@code spark.locality.wait}) get another task, up to {@value #RELEASE_SWEEPS} times; an
     * executor that left took the run with it. One still missed then is named in a warning: it keeps
     * the run's networks until it exits.
     */
    static void releaseOnEveryExecutor(JavaSparkContext sc, String run) {
        releaseInThisJvm(run);
        if (sc.isLocal() || sc.sc().isStopped()) {
            return;
        }
        List<String> lacking = SparkInternals.missing(SparkInternals.EXECUTOR_LIST);
        if (!lacking.isEmpty()) {
            LOG.warn("training run {}'s networks stay on the executors until they exit: this Spark lacks {}, which "
                    + "finding its executors calls", run, lacking);
            return;
        }
        Map<String, String> missed = executorHosts(sc);
        for (int sweep = 1; sweep <= RELEASE_SWEEPS && !missed.isEmpty(); sweep++) {
            List<Tuple2<String, Seq<String>>> placed = missed.entrySet().stream()
                    .map(e -> new Tuple2<>(e.getKey(), JavaConverters.asScalaBuffer(
                            List.of("executor_" + e.getValue() + "_" + e.getKey())).toSeq()))
                    .toList();
            JavaRDD<String> tasks = new JavaRDD<>(sc.sc().makeRDD(JavaConverters.asScalaBuffer(placed).toSeq(),
                    ClassTag$.MODULE$.apply(String.class)), ClassTag$.MODULE$.apply(String.class));
            try {
                List<String> reached = tasks.map(id -> {
                    releaseInThisJvm(run);
                    return SparkEnv.get().executorId();
                }).collect();
                reached.forEach(missed::remove);
            } catch (RuntimeException e) {
                LOG.warn("releasing training run {}'s networks on the executors, sweep {}: {}", run, sweep, e.toString());
            }
            missed.keySet().retainAll(executorHosts(sc).keySet());
        }
        if (!missed.isEmpty()) {
            LOG.warn("training run {}'s networks stay on executor(s) {} until they exit: no task reached them in {} sweeps",
                    run, missed.keySet(), RELEASE_SWEEPS);
        }
    }

    /** The live executors of {@code sc} (not the driver): id to host. */
    private static Map<String, String> executorHosts(JavaSparkContext sc) {
        Map<String, String> hosts = new HashMap<>();
        String driver = sc.sc().env().executorId();
        for (ExecutorSummary e : JavaConverters.seqAsJavaList(sc.sc().statusStore().executorList(true))) {
            if (!e.id().equals(driver)) {
                hosts.put(e.id(), Utils.parseHostPort(e.hostPort())._1());
            }
        }
        return hosts;
    }

    /** Runs this JVM holds networks or kept updater states of (tests and measurements). */
    static Set<String> heldRuns() {
        Set<String> runs = new TreeSet<>(POOLS.keySet());
        OWN_STATES.keySet().forEach(k -> runs.add(k.substring(0, k.lastIndexOf('/'))));
        return runs;
    }

    /** Networks of run {@code run} pooled in this JVM (tests and measurements). */
    static int pooledNetworks(String run) {
        Queue<MultiLayerNetwork> pool = POOLS.get(run);
        return pool == null ? 0 : pool.size();
    }

    /** Networks this JVM has built for workers since it started (tests and measurements). */
    static long networksBuilt() {
        return BUILT.get();
    }
}
