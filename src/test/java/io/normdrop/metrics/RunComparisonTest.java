package io.normdrop.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunComparisonTest {
    private static JsonNode doc(RunMetrics m) throws Exception {
        return new ObjectMapper().readTree(MetricsFiles.json(m));
    }

    private static RunComparison three() throws Exception {
        MultiLayerNetwork same = SampleRun.network(1);
        return new RunComparison(List.of(
                new RunComparison.Run("no-dropout", doc(SampleRun.of("a", same, 0.70, 0.80))),
                new RunComparison.Run("keep-1.0", doc(SampleRun.of("b", same.clone(), 0.70, 0.80))),
                new RunComparison.Run("keep-0.8", doc(SampleRun.of("c", SampleRun.network(2), 0.60, 0.75)))));
    }

    @Test
    void rowsShowResultsSettingsAndWhichRunsEndedWithIdenticalParameters() throws Exception {
        List<List<String>> rows = three().rows();
        assertEquals(3, rows.size());
        assertEquals(List.of("no-dropout", "-", "0.8000", "0.8000"), rows.get(0).subList(0, 4), "no validation set: -");
        assertEquals("0.7500", rows.get(2).get(2));
        assertEquals("2", rows.get(0).get(6), "epochs");
        assertEquals("4.0", rows.get(0).get(9), "averaging rounds per epoch");
        // Drift per round: 0.02 / epoch + 0.001 x round, over rounds 1-4 of epochs 1 and 2.
        assertEquals(String.format(java.util.Locale.ROOT, "%.3g", (0.02 + 0.01) / 2 + 0.0025), rows.get(0).get(10), "mean drift");
        assertEquals("1, 0.7, 1", rows.get(0).get(13), "dropout keep per layer");
        assertEquals("yes", rows.get(0).get(14), "weight norm");
        assertEquals("every 10", rows.get(0).get(16), "averaging");
        String digest = rows.get(0).get(17);
        assertEquals(12, digest.length());
        assertEquals(digest + " (= no-dropout)", rows.get(1).get(17));
        assertFalse(rows.get(2).get(17).contains("(="), rows.get(2).get(17));
    }

    @Test
    void rendersAsTextMarkdownAndAnOfflinePage() throws Exception {
        RunComparison c = three();
        List<String> text = c.text().lines().toList();
        assertEquals(4, text.size());
        assertTrue(text.get(0).startsWith("run "), text.get(0));

        List<String> md = c.markdown().lines().toList();
        assertEquals(5, md.size());
        assertTrue(md.get(1).matches("\\|(---\\|)+"), md.get(1));
        assertTrue(md.get(3).startsWith("| keep-1.0 | - | 0.8000 |"), md.get(3));
        assertFalse(c.ranked(), "without validation sets the runs stay in the order given");

        String html = c.html("Sweep");
        HtmlReportTest.assertSelfContained(html);
        List<Element> charts = HtmlReportTest.charts(html);
        assertEquals(List.of("compare-accuracy", "compare-loss", "compare-final", "compare-time", "compare-drift"),
                charts.stream().map(e -> e.getAttribute("data-chart")).toList());
        assertEquals(3, charts.get(0).getElementsByTagName("polyline").getLength(), "a line per run");
        assertEquals(3, charts.get(4).getElementsByTagName("polyline").getLength(), "a drift line per run");
    }

    /** A run's document with a validation accuracy on its kept epoch (1). */
    private static JsonNode validated(RunMetrics m, double accuracy) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode doc = (com.fasterxml.jackson.databind.node.ObjectNode) doc(m);
        ((com.fasterxml.jackson.databind.node.ObjectNode) doc.path("stopping")).put("keptEpoch", 1);
        ((com.fasterxml.jackson.databind.node.ObjectNode) doc.path("epochs").get(0).path("metrics")).putObject("validation")
                .put("loss", 0.5).put("accuracy", accuracy).put("learningRate", 0.001);
        return doc;
    }

    @Test
    void runsWithValidationSetsAreRankedByValidationNotTest() throws Exception {
        // b has the best test accuracy and the worst validation accuracy: validation decides.
        RunComparison c = new RunComparison(List.of(
                new RunComparison.Run("a", validated(SampleRun.of("a", SampleRun.network(1), 0.60, 0.70), 0.81)),
                new RunComparison.Run("b", validated(SampleRun.of("b", SampleRun.network(2), 0.70, 0.90), 0.79)),
                new RunComparison.Run("c", validated(SampleRun.of("c", SampleRun.network(3), 0.60, 0.75), 0.85))));
        assertTrue(c.ranked());
        assertEquals(List.of("c", "a", "b"), c.rows().stream().map(r -> r.get(0)).toList());
        assertEquals("0.8500", c.rows().get(0).get(1));
        assertTrue(c.text().contains(RunComparison.RANKED));
        assertTrue(c.markdown().endsWith(RunComparison.RANKED + "\n"));
        assertTrue(c.html("Sweep").contains(RunComparison.RANKED));
    }
}
