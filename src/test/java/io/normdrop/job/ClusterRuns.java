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
     * barrier task failed in epoch 2 and Spark ran the epoch's stage again (a new stage attempt, so
     * no task counts as retried; a task of an ordinary stage, evaluation for one, would have been
     * retried alone), which continued after the last average the workers completed
     * (metrics.json records the retry, and {@code output}, the driver's console, says the same;
     * null: not checked);
     * epoch 3 trained without failures and accuracy keeps rising. Prints the numbers the README
     * quotes, epoch 2's time over epoch 3's among them.
     *
     * @return the rounds the retried attempt kept
     */
    static int assertEpoch2Retried(String cluster, JsonNode metrics, String output) {
        JsonNode epochs = metrics.get("epochs");
        assertEquals(3, epochs.size());
        java.util.regex.Matcher kept = java.util.regex.Pattern.compile(
                "normdrop: epoch 2 trained again \\(attempt (\\d+)[^)]*\\): (?:(\\d+) of (\\d+) rounds kept|from the epoch's start)")
                .matcher(
                output == null ? "" : output);
        boolean found = kept.find();
        // metrics.json records the retry too (a cluster-mode driver's console is in its container's log).
        JsonNode retry = epochs.get(1).get("retry");
        assertTrue(retry != null && retry.get("attempt").asInt() >= 2, "metrics.json records epoch 2's retry: " + epochs.get(1));
        assertTrue(epochs.get(0).get("retry").isNull() && epochs.get(2).get("retry").isNull(), "only epoch 2 was retried");
        int roundsKept = retry.get("roundsKept").asInt();
        double e2 = epochs.get(1).at("/metrics/trainSeconds").asDouble();
        double e3 = epochs.get(2).at("/metrics/trainSeconds").asDouble();
        System.out.printf("%s: executor killed in epoch 2: epoch seconds %.1f / %.1f / %.1f (epoch 2 / epoch 3 = %.2f), "
                        + "rounds kept %d of %d, accuracy %.4f / %.4f / %.4f, failed tasks in epoch 2 %d, executors lost %d, added %d%n",
                cluster, epochs.get(0).at("/metrics/trainSeconds").asDouble(), e2, e3, e2 / e3, roundsKept,
                retry.get("rounds").asInt(), epochs.get(0).at("/metrics/testAccuracy").asDouble(),
                epochs.get(1).at("/metrics/testAccuracy").asDouble(), epochs.get(2).at("/metrics/testAccuracy").asDouble(),
                epochs.get(1).at("/spark/failedTasks").asLong(), metrics.at("/spark/totals/executorsRemoved").asLong(),
                metrics.at("/spark/totals/executorsAdded").asLong());
        JsonNode epoch2 = epochs.get(1).get("spark");
        assertTrue(epoch2.get("failedTasks").asLong() >= 1, "the kill fell inside epoch 2: " + epoch2);
        assertEquals(0, epoch2.get("retriedTasks").asLong(), "a stage retried whole: " + epoch2);
        assertEquals(0, epochs.get(2).at("/spark/failedTasks").asLong(), epochs.get(2).get("spark").toString());
        assertEquals(1, metrics.at("/spark/totals/executorsRemoved").asLong(), metrics.at("/spark/totals").toString());
        assertTrue(epochs.get(2).at("/metrics/testAccuracy").asDouble() > epochs.get(0).at("/metrics/testAccuracy").asDouble(),
                epochs.toString());
        if (output != null) {
            assertTrue(found, "the console says which rounds the retry kept: " + output);
            assertEquals(roundsKept, kept.group(2) == null ? 0 : Integer.parseInt(kept.group(2)), "console and metrics.json agree");
        }
        return roundsKept;
    }

    /** A driver log line of Spark's default layout starting a task of a stage attempt: time, stage, attempt. */
    private static final java.util.regex.Pattern TASK_START = java.util.regex.Pattern.compile(
            "(?m)^(\\d\\d/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d) INFO TaskSetManager: Starting task \\S+ in stage (\\d+)\\.(\\d+) ");

    /**
     * Seconds from {@code killedAt} (epoch milliseconds) to the first task of a retried stage
     * attempt in {@code output}, the driver's log (Spark's default layout, to the second); prints
     * it for the README; -1 when the log shows none.
     */
    static double killToRetrySeconds(String cluster, long killedAt, String output) {
        java.util.regex.Matcher m = TASK_START.matcher(output);
        while (m.find()) {
            if (Integer.parseInt(m.group(3)) > 0) {
                long at = java.time.LocalDateTime.parse(m.group(1), java.time.format.DateTimeFormatter.ofPattern("yy/MM/dd HH:mm:ss"))
                        .atZone(java.time.ZoneId.systemDefault()).toInstant().toEpochMilli();
                double seconds = (at - killedAt) / 1e3;
                System.out.printf("%s: executor killed, the retried stage's first task %.0f s later (log to the second)%n",
                        cluster, seconds);
                return seconds;
            }
        }
        System.out.printf("%s: no retried stage attempt in the driver's log%n", cluster);
        return -1;
    }
}
