package io.normdrop.metrics;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** metrics.prom is valid Prometheus text format and carries the run's numbers. */
class PrometheusMetricsTest {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)\\{(.*)} (-?[0-9.]+(?:E-?[0-9]+)?)$");

    /** Samples by name and labels, e.g. {@code normdrop_test_accuracy{model="sample",}}. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> samples = new HashMap<>();
        for (String line : text.lines().toList()) {
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "not a sample line: " + line);
            samples.put(m.group(1) + "{" + m.group(2) + "}", Double.parseDouble(m.group(3)));
        }
        return samples;
    }

    @Test
    void textFormatCarriesTheRunsResultsLabelledWithItsName() {
        RunMetrics run = SampleRun.of("sample", SampleRun.network(1), 0.70, 0.80, 0.85);
        String text = PrometheusMetrics.of(run, 1_700_000_000L).text();
        Map<String, Double> samples = parse(text);

        assertEquals(0.85, samples.get("normdrop_test_accuracy{model=\"sample\",}"), 1e-12);
        assertEquals(0.85, samples.get("normdrop_best_test_accuracy{model=\"sample\",}"), 1e-12);
        assertEquals(3, samples.get("normdrop_epochs{model=\"sample\",}"), 0);
        assertEquals(run.model().parameters(), samples.get("normdrop_parameters{model=\"sample\",}"), 0);
        assertEquals(1.7e9, samples.get("normdrop_last_success_timestamp_seconds{model=\"sample\",}"), 0);
        assertEquals(1, samples.get("normdrop_spark_failed_tasks{model=\"sample\",}"), 0);
        // The breakdown summed over epochs: fit 2.9 + 2.8 + 2.7.
        assertEquals(8.4, samples.get("normdrop_training_phase_seconds{model=\"sample\",phase=\"fit\",}"), 1e-9);
        // Class names as labels, escaped as the format wants.
        assertEquals(0.80, samples.get("normdrop_class_recall{model=\"sample\",class=\"<Trouser & \\\"co\\\">\",}"), 1e-9);
        // The last epoch's averaging: drift 0.02 / 3 + 0.001 x round over rounds 1-4; layer 1's v twice that.
        assertEquals(0.02 / 3 + 0.0025, samples.get("normdrop_worker_drift{model=\"sample\",stat=\"mean\",}"), 1e-12);
        assertEquals(0.02 / 3 + 0.004, samples.get("normdrop_worker_drift{model=\"sample\",stat=\"max\",}"), 1e-12);
        assertEquals(2 * (0.02 / 3 + 0.0025),
                samples.get("normdrop_worker_drift_tensor{model=\"sample\",layer=\"1\",param=\"V\",}"), 1e-12);
        assertEquals(3, samples.get("normdrop_slowest_executor_rounds{model=\"sample\",executor=\"2@10.0.0.2\",}"), 0);
        assertEquals((800 / 750.0 + 3 * 1.125) / 4, samples.get("normdrop_straggler_ratio{model=\"sample\",}"), 1e-12);
        for (String type : text.lines().filter(l -> l.startsWith("# TYPE ")).toList()) {
            assertTrue(type.endsWith(" gauge"), type);
        }
        assertEquals(List.of(), text.lines().filter(l -> l.contains("NaN")).toList());
    }
}
