package io.normdrop.train;

import io.normdrop.config.ConfigException;
import io.normdrop.config.TrainingConfig;
import io.normdrop.config.TrainingMasterKind;
import org.apache.spark.SparkConf;
import org.apache.spark.util.Utils;

import java.util.function.Consumer;

/**
 * Spark's dynamic allocation and the allreduce master: Spark refuses every barrier stage while
 * dynamic allocation is on (SPARK-24942, {@code BarrierJobRunWithDynamicAllocationException}), and
 * the allreduce master trains each epoch in one. The resident and parameter-averaging masters run
 * plain stages, which dynamic allocation is fine with.
 */
public final class DynamicAllocation {
    /** Why the allreduce master cannot run here, for messages. */
    static final String REASON = "Spark runs no barrier stage (the allreduce master trains each epoch in one) while"
            + " dynamic allocation is on (spark.dynamicAllocation.enabled = true)";

    private DynamicAllocation() {
    }

    /**
     * Whether dynamic allocation is on for a context of {@code conf}, by the predicate Spark's
     * scheduler refuses barrier stages with ({@code Utils.isDynamicAllocationEnabled}, which Spark
     * keeps to itself): {@code spark.dynamicAllocation.enabled}, in local mode only together with
     * {@code spark.dynamicAllocation.testing}.
     */
    public static boolean isOn(SparkConf conf) {
        return SparkInternals.missing(PREDICATE).isEmpty() ? Utils.isDynamicAllocationEnabled(conf) : bySettings(conf);
    }

    /** Spark's predicate, which {@link #isOn} calls where the running Spark has it. */
    static final String[][] PREDICATE = {{"org.apache.spark.util.Utils", "isDynamicAllocationEnabled",
            "org.apache.spark.SparkConf"}};

    /** Spark 3.5's rule read from the settings, for a Spark that keeps its predicate elsewhere. */
    static boolean bySettings(SparkConf conf) {
        boolean local = conf.get("spark.master", "").startsWith("local");
        return conf.getBoolean("spark.dynamicAllocation.enabled", false)
                && (!local || conf.getBoolean("spark.dynamicAllocation.testing", false));
    }

    /**
     * The training settings a context of {@code conf} can run: {@code training} itself unless its
     * master is allreduce and dynamic allocation is on; then, when the user left the master at its
     * default, the same with the resident master (and one line to {@code note} saying why), and when
     * the user asked for allreduce, a refusal.
     *
     * @param masterGiven whether the user set {@code training.master}
     * @param remedy      what the user can do instead, for the refusal: how to set another master where
     *                    this user sets it (a job file, an estimator's param)
     * @throws ConfigException on {@code training.master} when the user asked for allreduce, or the
     *                         resident master cannot take the job's other settings
     */
    public static TrainingConfig forThisContext(TrainingConfig training, boolean masterGiven, SparkConf conf,
                                                String remedy, Consumer<String> note) {
        if (training.master() != TrainingMasterKind.ALLREDUCE || !isOn(conf)) {
            return training;
        }
        if (masterGiven) {
            throw new ConfigException("training.master", "is allreduce, but " + REASON + "; " + remedy);
        }
        TrainingConfig resident;
        try {
            resident = training.withMaster(TrainingMasterKind.RESIDENT);
        } catch (ConfigException e) {
            throw new ConfigException("training.master", "is allreduce by default, but " + REASON + ", and the resident"
                    + " master cannot take this job's other settings (" + e.getMessage() + "); " + remedy);
        }
        note.accept("training with the resident master instead of the default allreduce: " + REASON);
        return resident;
    }
}
