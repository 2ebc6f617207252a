package io.normdrop.train;

import io.normdrop.metrics.TimeBreakdown;
import org.deeplearning4j.spark.api.stats.CommonSparkTrainingStats;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.deeplearning4j.spark.impl.paramavg.stats.ParameterAveragingTrainingMasterStats;
import org.deeplearning4j.spark.stats.EventStats;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Turns dl4j-spark's training statistics into a {@link TimeBreakdown} per averaging round.
 * The master's statistics accumulate over all its {@code fit} calls, so each call to
 * {@link #next} reads only the events that arrived since the previous one.
 *
 * <p>dl4j-spark's events per round: on the driver, broadcast creation, repartition, split,
 * count and export, then "aggregate" (the Spark job in which the workers fit, plus collecting
 * and summing their results) and "process params" (applying the average); on each worker, the
 * whole task, loading the initial model from the broadcast, waiting for data and fitting each
 * minibatch. Requires the training master's {@code collectTrainingStats(true)} and DL4J's
 * system clock (conf/spark-defaults.conf).
 */
final class TrainingStatsReader {
    private final Supplier<SparkTrainingStats> stats;
    private final Map<String, Integer> seen = new HashMap<>();

    /** @param stats the training master's statistics, e.g. {@code master::getTrainingStats} */
    TrainingStatsReader(Supplier<SparkTrainingStats> stats) {
        this.stats = stats;
    }

    /** The breakdown of the round that just ended and took {@code wallSeconds} on the driver. */
    TimeBreakdown next(double wallSeconds) {
        if (!(stats.get() instanceof ParameterAveragingTrainingMasterStats m)) {
            return null;
        }
        double broadcastCreate = sum("broadcast", m.getParameterAveragingMasterBroadcastCreateTimesMs());
        double repartition = sum("repartition", m.getParameterAveragingMasterRepartitionTimesMs())
                + sum("split", m.getParameterAveragingMasterSplitTimesMs())
                + sum("count", m.getParameterAveragingMasterCountRddSizeTimesMs());
        double export = sum("export", m.getParameterAveragingMasterExportTimesMs());
        double aggregate = sum("aggregate", m.getParamaterAveragingMasterAggregateTimesMs());
        double apply = sum("process", m.getParameterAveragingMasterProcessParamsUpdaterTimesMs());
        double workerTotal = 0;
        double initialModel = 0;
        double fit = 0;
        if (m.getNestedTrainingStats() instanceof CommonSparkTrainingStats w) {
            workerTotal = perWorkerMean("worker.total", w.getWorkerFlatMapTotalTimeMs());
            initialModel = perWorkerMean("worker.initialModel", w.getWorkerFlatMapGetInitialModelTimeMs());
            fit = perWorkerMean("worker.data", w.getWorkerFlatMapDataSetGetTimesMs())
                    + perWorkerMean("worker.fit", w.getWorkerFlatMapProcessMiniBatchTimesMs());
        }
        double broadcast = broadcastCreate + initialModel;
        // The aggregate phase is the Spark job itself: what its tasks did not spend on the worker
        // side is scheduling, result transfer and summing.
        double aggregation = Math.max(0, aggregate - workerTotal) + apply;
        double measured = broadcast + fit + aggregation + repartition + export;
        double other = Math.max(0, wallSeconds * 1e3 - measured);
        return new TimeBreakdown(broadcast / 1e3, fit / 1e3, aggregation / 1e3, repartition / 1e3, export / 1e3,
                other / 1e3);
    }

    /** Milliseconds of the events of {@code list} not read before. */
    private double sum(String key, List<EventStats> list) {
        return fresh(key, list).stream().mapToLong(EventStats::getDurationMs).sum();
    }

    /** Milliseconds per worker (JVM and thread) of the fresh events, averaged over the workers. */
    private double perWorkerMean(String key, List<EventStats> list) {
        Map<String, Long> perWorker = fresh(key, list).stream().collect(Collectors.groupingBy(
                e -> e.getJvmID() + "/" + e.getThreadID(), Collectors.summingLong(EventStats::getDurationMs)));
        return perWorker.values().stream().mapToLong(Long::longValue).average().orElse(0);
    }

    private List<EventStats> fresh(String key, List<EventStats> list) {
        if (list == null) {
            return List.of();
        }
        int from = seen.getOrDefault(key, 0);
        seen.put(key, list.size());
        return from >= list.size() ? List.of() : list.subList(from, list.size());
    }
}
