package io.normdrop.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsFilesTest {
    private static JsonNode read(String json) throws IOException {
        return MetricsFiles.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "runs/x/metrics.json");
    }

    @Test
    void metricsJsonIsOneVersionedDocumentThatReadsBack() throws IOException {
        RunMetrics run = SampleRun.of("sample", SampleRun.network(1), 0.70, 0.80, 0.85);
        JsonNode doc = read(MetricsFiles.json(run));

        assertEquals(RunMetrics.FORMAT, doc.get("format").asText());
        assertEquals(3, doc.get("epochs").size());
        assertEquals(12, doc.get("rounds").size());
        assertEquals(360, doc.at("/partitions/2").asLong());
        assertEquals(0.85, doc.at("/result/accuracy").asDouble(), 1e-12);
        assertEquals(0.8, doc.at("/epochs/1/metrics/testAccuracy").asDouble(), 1e-12);
        assertEquals(3.0 - 0.2, doc.at("/epochs/1/metrics/time/fit").asDouble(), 1e-12);
        assertEquals(10, doc.at("/epochs/0/spark/tasks").asLong());
        assertEquals(98, doc.at("/result/confusion/2/2").asLong());
        assertEquals(24, doc.at("/model/layers/0/gain/count").asInt());
        assertEquals(0.7, doc.at("/model/layers/1/keep").asDouble(), 1e-12);
        assertEquals(64, doc.at("/model/parameterDigest").asText().length());
        assertEquals("<Trouser & \"co\">", doc.at("/data/classNames/1").asText());
        // Round 2 of epoch 1: drift 0.02 + 0.002; layer 1's v twice that; worker 1 on executor 2 the slowest.
        assertEquals(0.022, doc.at("/rounds/1/averaging/driftMean").asDouble(), 1e-12);
        assertEquals("1", doc.at("/rounds/1/averaging/tensors/4/layer").asText());
        assertEquals("V", doc.at("/rounds/1/averaging/tensors/4/param").asText());
        assertEquals(0.044, doc.at("/rounds/1/averaging/tensors/4/mean").asDouble(), 1e-12);
        assertEquals("2@10.0.0.2", doc.at("/rounds/1/averaging/slowestExecutor").asText());
        assertEquals(0.9, doc.at("/rounds/1/averaging/fitMaxSeconds").asDouble(), 1e-12);
        assertEquals(0.05, doc.at("/rounds/1/averaging/lossMax").asDouble() - doc.at("/rounds/1/averaging/lossMin").asDouble(),
                1e-12);
        assertEquals("every 10", doc.at("/settings/averaging").asText());
    }

    @Test
    void anUntimedRoundAndAnUnmeasuredAverageAreNullAsBefore() throws IOException {
        RunMetrics timed = SampleRun.of("sample", SampleRun.network(1), 0.70, 0.80, 0.85);
        RunMetrics untimed = SampleRun.untimed(timed);
        List<RoundMetrics> unmeasured = untimed.rounds().stream().map(r -> new RoundMetrics(r.epoch(), r.round(),
                r.wallSeconds(), r.score(), r.examples(), r.time(), Optional.empty())).toList();
        RunMetrics plain = new RunMetrics(untimed.format(), untimed.run(), untimed.configDigest(), untimed.data(),
                untimed.settings(), untimed.epochs(), unmeasured, untimed.partitions(), untimed.spark(), untimed.model(),
                untimed.result(), untimed.stopping());
        JsonNode doc = read(MetricsFiles.json(plain));
        assertTrue(doc.at("/epochs/0/metrics").has("time") && doc.at("/epochs/0/metrics/time").isNull());
        assertTrue(doc.at("/rounds/0").has("time") && doc.at("/rounds/0/time").isNull());
        assertTrue(doc.at("/rounds/0").has("averaging") && doc.at("/rounds/0/averaging").isNull());
        assertEquals(0.05, read(MetricsFiles.json(timed)).at("/rounds/0/time/broadcast").asDouble(), 1e-12,
                "a timed round's breakdown is the object it was");
        ByteArrayOutputStream lines = new ByteArrayOutputStream();
        try (JsonLinesSink sink = new JsonLinesSink(lines)) {
            sink.epoch(untimed.epochs().get(0).metrics());
            sink.epoch(timed.epochs().get(0).metrics());
        }
        String[] written = lines.toString(StandardCharsets.UTF_8).split("\n");
        assertTrue(written[0].contains("\"time\":null"), written[0]);
        assertTrue(written[1].contains("\"time\":{\"broadcast\":0.2"), written[1]);
    }

    @Test
    void somethingElseIsRefusedNamingTheFile() {
        IOException notJson = assertThrows(IOException.class, () -> read("{ nope"));
        assertTrue(notJson.getMessage().startsWith("runs/x/metrics.json: not a JSON document"), notJson.getMessage());
        IOException otherFormat = assertThrows(IOException.class, () -> read("{\"format\": \"normdrop-provenance/1\"}"));
        assertEquals("runs/x/metrics.json: not a Normdrop metrics document (format \"normdrop-provenance/1\", expected "
                + RunMetrics.FORMAT + ")", otherFormat.getMessage());
    }

    @Test
    void epochsCsvHasAHeaderAndOneRowPerEpochWithEveryColumn() {
        RunMetrics run = SampleRun.of("sample", SampleRun.network(1), 0.70, 0.80, 0.85);
        List<String> lines = MetricsFiles.csv(run).lines().toList();

        assertEquals(4, lines.size());
        String[] header = lines.get(0).split(",");
        assertEquals("epoch", header[0]);
        assertEquals("recall_2", header[header.length - 1]);
        for (String line : lines.subList(1, lines.size())) {
            assertEquals(header.length, line.split(",", -1).length, line);
        }
        String[] second = lines.get(2).split(",");
        assertEquals("2", second[0]);
        assertEquals(0.8, Double.parseDouble(second[List.of(header).indexOf("test_accuracy")]), 1e-6);
        assertEquals(2.8, Double.parseDouble(second[List.of(header).indexOf("time_fit")]), 1e-6);
        assertEquals(0.85, Double.parseDouble(second[List.of(header).indexOf("recall_2")]), 1e-6);
        // Epoch 2's four rounds: drift 0.01 + 0.001 x round (mean 0.0125, largest 0.014); straggler 800/750 once, 900/800 thrice.
        assertEquals(0.0125, Double.parseDouble(second[List.of(header).indexOf("drift_mean")]), 1e-9);
        assertEquals(0.014, Double.parseDouble(second[List.of(header).indexOf("drift_max")]), 1e-9);
        assertEquals(0.05, Double.parseDouble(second[List.of(header).indexOf("loss_spread")]), 1e-6);
        assertEquals((800 / 750.0 + 3 * 1.125) / 4, Double.parseDouble(second[List.of(header).indexOf("straggler_ratio")]), 1e-5);
        assertEquals(1.125, Double.parseDouble(second[List.of(header).indexOf("straggler_max")]), 1e-9);
        assertEquals("2@10.0.0.2", second[List.of(header).indexOf("slowest_executor")]);
    }
}
