package io.normdrop.train;

import io.normdrop.metrics.TimeBreakdown;
import org.deeplearning4j.spark.api.stats.CommonSparkTrainingStats;
import org.deeplearning4j.spark.impl.paramavg.stats.ParameterAveragingTrainingMasterStats;
import org.deeplearning4j.spark.stats.BaseEventStats;
import org.deeplearning4j.spark.stats.EventStats;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** dl4j-spark's accumulated statistics become one breakdown per round, covering its wall time. */
class TrainingStatsReaderTest {
    private final List<EventStats> broadcast = new ArrayList<>();
    private final List<EventStats> repartition = new ArrayList<>();
    private final List<EventStats> aggregate = new ArrayList<>();
    private final List<EventStats> process = new ArrayList<>();
    private final List<EventStats> workerTotal = new ArrayList<>();
    private final List<EventStats> initialModel = new ArrayList<>();
    private final List<EventStats> data = new ArrayList<>();
    private final List<EventStats> minibatch = new ArrayList<>();

    private static EventStats event(String worker, long ms) {
        return new BaseEventStats("host", "jvm", worker.hashCode(), 0, ms);
    }

    private ParameterAveragingTrainingMasterStats stats() {
        ParameterAveragingTrainingMasterStats m = new ParameterAveragingTrainingMasterStats(null, null, null, null,
                null, null, null, null, null, null);
        m.setParameterAveragingMasterBroadcastCreateTimesMs(broadcast);
        m.setParameterAveragingMasterRepartitionTimesMs(repartition);
        m.setParamaterAveragingMasterAggregateTimesMs(aggregate);
        m.setParameterAveragingMasterProcessParamsUpdaterTimesMs(process);
        CommonSparkTrainingStats w = new CommonSparkTrainingStats();
        w.setWorkerFlatMapTotalTimeMs(workerTotal);
        w.setWorkerFlatMapGetInitialModelTimeMs(initialModel);
        w.setWorkerFlatMapDataSetGetTimesMs(data);
        w.setWorkerFlatMapProcessMiniBatchTimesMs(minibatch);
        m.setWorkerStats(w);
        return m;
    }

    private void round(long scale) {
        broadcast.add(event("driver", 10 * scale));
        repartition.add(event("driver", 5 * scale));
        aggregate.add(event("driver", 1000 * scale));
        process.add(event("driver", 20 * scale));
        workerTotal.add(event("a", 900 * scale));
        workerTotal.add(event("b", 800 * scale));
        initialModel.add(event("a", 30 * scale));
        initialModel.add(event("b", 50 * scale));
        for (int i = 0; i < 4; i++) {
            data.add(event("a", scale));
            data.add(event("b", scale));
            minibatch.add(event("a", 200 * scale));
            minibatch.add(event("b", 175 * scale));
        }
    }

    @Test
    void eachRoundReadsOnlyItsOwnEventsAndItsPartsAddUpToTheWallTime() {
        ParameterAveragingTrainingMasterStats stats = stats();
        TrainingStatsReader reader = new TrainingStatsReader(() -> stats);

        round(1);
        TimeBreakdown first = reader.next(1.2);
        // Broadcast: 10 ms on the driver + 40 ms (mean of 30 and 50) loading it on the workers.
        assertEquals(0.050, first.broadcast(), 1e-9);
        // Fit: per worker 4 data waits + 4 minibatches, mean of 804 and 704.
        assertEquals(0.754, first.fit(), 1e-9);
        // Aggregation: the aggregate job minus the workers' mean task time (850), plus applying (20).
        assertEquals(0.170, first.aggregation(), 1e-9);
        assertEquals(0.005, first.repartition(), 1e-9);
        assertEquals(0.0, first.export(), 1e-9);
        assertEquals(1.2 - 0.979, first.other(), 1e-9);
        assertEquals(1.2, first.total(), 1e-9);

        round(2);
        TimeBreakdown second = reader.next(2.5);
        assertEquals(0.100, second.broadcast(), 1e-9);
        assertEquals(1.508, second.fit(), 1e-9);
        assertEquals(2.5, second.total(), 1e-9);
    }

    @Test
    void withoutStatisticsThereIsNoBreakdown() {
        assertNull(new TrainingStatsReader(() -> null).next(1.0));
    }
}
