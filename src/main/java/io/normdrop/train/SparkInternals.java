package io.normdrop.train;

import io.normdrop.config.ConfigException;
import io.normdrop.config.TrainingConfig;
import io.normdrop.config.TrainingMasterKind;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of Spark the allreduce master calls although Spark keeps them to itself
 * ({@code private[spark]}): the barrier coordinator's request ({@link BlockExchange}), the block
 * manager's put, local read and remote fetch, the test block ids and chunked buffers it stores,
 * the driver endpoint lookup, and the task context a read-ahead thread takes
 * ({@link Prefetcher}). Spark may change any of them in any release, so the driver checks,
 * before the first stage, that the running Spark is a version the tests ran on and that every
 * signature is there.
 */
public final class SparkInternals {
    /** The Spark versions the allreduce master was tested on (prefixes). */
    static final List<String> TESTED = List.of("3.5.");

    /** Class, method (or "<init>"), parameter types: what the master calls. */
    private static final String[][] CALLS = {
            {"org.apache.spark.RequestToSync$", "apply", "int", "int", "int", "long", "int", "int", "java.lang.String",
                    "scala.Enumeration$Value"},
            {"org.apache.spark.RequestMethod$", "ALL_GATHER"},
            {"org.apache.spark.RequestMethod$", "BARRIER"},
            {"org.apache.spark.util.RpcUtils", "makeDriverRef", "java.lang.String", "org.apache.spark.SparkConf",
                    "org.apache.spark.rpc.RpcEnv"},
            {"org.apache.spark.storage.BlockManager", "putBytes", "org.apache.spark.storage.BlockId",
                    "org.apache.spark.util.io.ChunkedByteBuffer", "org.apache.spark.storage.StorageLevel", "boolean",
                    "scala.reflect.ClassTag"},
            {"org.apache.spark.storage.BlockManager", "getLocalBlockData", "org.apache.spark.storage.BlockId"},
            {"org.apache.spark.storage.BlockManager", "removeBlock", "org.apache.spark.storage.BlockId", "boolean"},
            {"org.apache.spark.storage.BlockManager", "blockTransferService"},
            {"org.apache.spark.network.BlockTransferService", "fetchBlocks", "java.lang.String", "int",
                    "java.lang.String", "[Ljava.lang.String;", "org.apache.spark.network.shuffle.BlockFetchingListener",
                    "org.apache.spark.network.shuffle.DownloadFileManager"},
            {"org.apache.spark.storage.TestBlockId", "<init>", "java.lang.String"},
            {"org.apache.spark.util.io.ChunkedByteBuffer", "<init>", "java.nio.ByteBuffer"},
            {"org.apache.spark.TaskContext", "killTaskIfInterrupted"},
            {"org.apache.spark.TaskContext$", "setTaskContext", "org.apache.spark.TaskContext"},
    };

    private SparkInternals() {
    }

    /**
     * What releasing a run's networks executor by executor calls
     * ({@link ResidentNetworks#releaseOnEveryExecutor}): the live executors and their hosts.
     */
    static final String[][] EXECUTOR_LIST = {
            {"org.apache.spark.SparkContext", "statusStore"},
            {"org.apache.spark.status.AppStatusStore", "executorList", "boolean"},
            {"org.apache.spark.util.Utils", "parseHostPort", "java.lang.String"},
    };

    /** What the running Spark ({@code version}) lacks of what the allreduce master calls; empty when nothing. */
    static List<String> missing(String version) {
        List<String> gaps = new ArrayList<>();
        if (TESTED.stream().noneMatch(version::startsWith)) {
            gaps.add("Spark " + version + " (tested: " + String.join(", ", TESTED.stream().map(v -> v + "x").toList()) + ")");
        }
        gaps.addAll(missing(CALLS));
        return gaps;
    }

    /** Which of {@code calls} (class, method or "<init>", parameter types) the running Spark lacks. */
    static List<String> missing(String[][] calls) {
        List<String> gaps = new ArrayList<>();
        for (String[] call : calls) {
            try {
                Class<?> type = Class.forName(call[0], false, SparkInternals.class.getClassLoader());
                Class<?>[] params = new Class<?>[call.length - 2];
                for (int i = 2; i < call.length; i++) {
                    params[i - 2] = type(call[i]);
                }
                if (call[1].equals("<init>")) {
                    type.getConstructor(params);
                } else {
                    type.getMethod(call[1], params);
                }
            } catch (ReflectiveOperationException | LinkageError e) {
                gaps.add(call[0] + "." + call[1]);
            }
        }
        return gaps;
    }

    private static Class<?> type(String name) throws ClassNotFoundException {
        return switch (name) {
            case "int" -> int.class;
            case "long" -> long.class;
            case "boolean" -> boolean.class;
            default -> Class.forName(name, false, SparkInternals.class.getClassLoader());
        };
    }

    /**
     * The training settings to use on this Spark: {@code training} itself when its master is not
     * allreduce or the running Spark has what allreduce calls; otherwise, when the job left the
     * master at its default, the same with the resident master (and a warning), and when the
     * job asked for allreduce, a refusal.
     *
     * @param masterGiven whether the job set {@code training.master} itself
     * @throws ConfigException (exit 64) when the job asked for allreduce and this Spark cannot run it
     */
    public static TrainingConfig forThisSpark(TrainingConfig training, boolean masterGiven, String version,
                                              PrintWriter warnings) {
        if (training.master() != TrainingMasterKind.ALLREDUCE) {
            return training;
        }
        List<String> gaps = missing(version);
        if (gaps.isEmpty()) {
            return training;
        }
        String what = "the allreduce master calls Spark internals that this Spark lacks or that were not tested on it: "
                + String.join(", ", gaps);
        if (masterGiven) {
            throw new ConfigException("training.master", "is allreduce, but " + what + "; use training.master = resident");
        }
        TrainingConfig resident;
        try {
            resident = training.withMaster(TrainingMasterKind.RESIDENT);
        } catch (ConfigException e) {
            throw new ConfigException("training.master", "is allreduce by default, but " + what + "; and the resident "
                    + "master cannot take this job's other settings (" + e.getMessage() + ")");
        }
        warnings.println("normdrop: warning: training with the resident master: " + what);
        warnings.flush();
        return resident;
    }
}
