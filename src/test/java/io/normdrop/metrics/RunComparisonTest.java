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
        assertEquals(List.of("no-dropout", "0.8000", "0.8000"), rows.get(0).subList(0, 3));
        assertEquals("0.7500", rows.get(2).get(1));
        assertEquals("2", rows.get(0).get(5), "epochs");
        assertEquals("4.0", rows.get(0).get(8), "averaging rounds per epoch");
        // Drift per round: 0.02 / epoch + 0.001 x round, over rounds 1-4 of epochs 1 and 2.
        assertEquals(String.format(java.util.Locale.ROOT, "%.3g", (0.02 + 0.01) / 2 + 0.0025), rows.get(0).get(9), "mean drift");
        assertEquals("1, 0.7, 1", rows.get(0).get(12), "dropout keep per layer");
        assertEquals("yes", rows.get(0).get(13), "weight norm");
        assertEquals("every 10", rows.get(0).get(15), "averaging");
        String digest = rows.get(0).get(16);
        assertEquals(12, digest.length());
        assertEquals(digest + " (= no-dropout)", rows.get(1).get(16));
        assertFalse(rows.get(2).get(16).contains("(="), rows.get(2).get(16));
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
        assertTrue(md.get(3).startsWith("| keep-1.0 | 0.8000 |"), md.get(3));

        String html = c.html("Sweep");
        HtmlReportTest.assertSelfContained(html);
        List<Element> charts = HtmlReportTest.charts(html);
        assertEquals(List.of("compare-accuracy", "compare-loss", "compare-final", "compare-time", "compare-drift"),
                charts.stream().map(e -> e.getAttribute("data-chart")).toList());
        assertEquals(3, charts.get(0).getElementsByTagName("polyline").getLength(), "a line per run");
        assertEquals(3, charts.get(4).getElementsByTagName("polyline").getLength(), "a drift line per run");
    }
}
