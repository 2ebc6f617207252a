package io.normdrop.job;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the cluster tests read from a run's metrics.json. */
final class ClusterRuns {
    private ClusterRuns() {
    }

    /** The executors that ran tasks (not the driver), by id. */
    static List<String> busyExecutors(JsonNode metrics) {
        List<String> busy = new ArrayList<>();
        for (JsonNode e : metrics.at("/spark/executors")) {
            if (!e.get("executorId").asText().equals("driver") && e.get("tasks").asLong() > 0) {
                busy.add(e.get("executorId").asText());
            }
        }
        return busy;
    }

    /**
     * A 3-epoch run whose one executor was killed inside epoch 2's rounds: the killed executor's
     * barrier task failed in epoch 2 and Spark ran the epoch's stage again whole (a new stage
     * attempt, so no task counts as retried; a task of an ordinary stage, evaluation for one,
     * would have been retried alone), so epoch 2 took longer than epoch 3, which trained without
     * failures; the retried epoch starts from its own start again, so accuracy keeps rising.
     * Prints the numbers the README quotes.
     */
    static void assertEpoch2RetriedWhole(String cluster, JsonNode metrics) {
        JsonNode epochs = metrics.get("epochs");
        assertEquals(3, epochs.size());
        System.out.printf("%s: executor killed in epoch 2: epoch seconds %.1f / %.1f / %.1f, accuracy %.4f / %.4f / %.4f, "
                        + "failed tasks in epoch 2 %d, executors lost %d, added %d%n", cluster,
                epochs.get(0).at("/metrics/trainSeconds").asDouble(), epochs.get(1).at("/metrics/trainSeconds").asDouble(),
                epochs.get(2).at("/metrics/trainSeconds").asDouble(), epochs.get(0).at("/metrics/testAccuracy").asDouble(),
                epochs.get(1).at("/metrics/testAccuracy").asDouble(), epochs.get(2).at("/metrics/testAccuracy").asDouble(),
                epochs.get(1).at("/spark/failedTasks").asLong(), metrics.at("/spark/totals/executorsRemoved").asLong(),
                metrics.at("/spark/totals/executorsAdded").asLong());
        JsonNode epoch2 = epochs.get(1).get("spark");
        assertTrue(epoch2.get("failedTasks").asLong() >= 1, "the kill fell inside epoch 2: " + epoch2);
        assertEquals(0, epoch2.get("retriedTasks").asLong(), "a stage retried whole: " + epoch2);
        assertTrue(epochs.get(1).at("/metrics/trainSeconds").asDouble() > epochs.get(2).at("/metrics/trainSeconds").asDouble(),
                "epoch 2 was trained again: " + epochs);
        assertEquals(0, epochs.get(2).at("/spark/failedTasks").asLong(), epochs.get(2).get("spark").toString());
        assertEquals(1, metrics.at("/spark/totals/executorsRemoved").asLong(), metrics.at("/spark/totals").toString());
        assertTrue(epochs.get(2).at("/metrics/testAccuracy").asDouble() > epochs.get(0).at("/metrics/testAccuracy").asDouble(),
                epochs.toString());
    }
}
