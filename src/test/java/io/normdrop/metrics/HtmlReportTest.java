package io.normdrop.metrics;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The run report is one offline page whose charts are well-formed SVG drawn from the metrics. */
class HtmlReportTest {
    private static final Pattern SVG = Pattern.compile("<svg .*?</svg>", Pattern.DOTALL);

    static List<Element> charts(String html) throws Exception {
        List<Element> out = new ArrayList<>();
        Matcher m = SVG.matcher(html);
        while (m.find()) {
            Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(new ByteArrayInputStream(m.group().getBytes(StandardCharsets.UTF_8)));
            out.add(doc.getDocumentElement());
        }
        return out;
    }

    static void assertSelfContained(String html) {
        String withoutSvgNamespace = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        for (String forbidden : List.of("<script", "src=", "href=", "url(", "http://", "https://", "@import")) {
            assertFalse(withoutSvgNamespace.contains(forbidden), "report refers outside itself: " + forbidden);
        }
    }

    static int titledRects(Element chart) {
        int n = 0;
        for (int i = 0; i < chart.getElementsByTagName("rect").getLength(); i++) {
            if (((Element) chart.getElementsByTagName("rect").item(i)).getElementsByTagName("title").getLength() > 0) {
                n++;
            }
        }
        return n;
    }

    @Test
    void everyChartIsThereAsWellFormedSvgAndThePageNeedsNothingElse() throws Exception {
        RunMetrics run = SampleRun.of("sample", SampleRun.network(1), 0.70, 0.80, 0.85);
        String html = HtmlReport.render(run);

        assertSelfContained(html);
        List<String> ids = charts(html).stream().map(e -> e.getAttribute("data-chart")).toList();
        assertEquals(List.of("loss", "accuracy", "time", "drift", "stragglers", "class-accuracy", "confusion", "gain-0",
                "norm-0", "gain-1", "norm-1"), ids);
    }

    @Test
    void chartsDrawTheMetrics() throws Exception {
        RunMetrics run = SampleRun.of("sample", SampleRun.network(1), 0.70, 0.80, 0.85);
        List<Element> charts = charts(HtmlReport.render(run));
        Element loss = charts.get(0);
        // One line per series with one point per epoch.
        assertEquals(2, loss.getElementsByTagName("polyline").getLength());
        String[] points = ((Element) loss.getElementsByTagName("polyline").item(0)).getAttribute("points").split(" ");
        assertEquals(3, points.length);
        // Training loss falls, so its line goes down the page (SVG y grows downwards).
        double y1 = Double.parseDouble(points[0].split(",")[1]);
        double y3 = Double.parseDouble(points[2].split(",")[1]);
        assertTrue(y3 > y1, "falling loss drawn as falling");

        // Time: six breakdown segments plus evaluation, per epoch.
        Element time = charts.get(2);
        assertEquals(3 * 6, titledRects(time), "a bar segment per epoch for every part but export (which is 0)");

        // Drift: the workers' mean and largest, and g and v of both weight-norm layers, a point per round.
        Element drift = charts.get(3);
        assertEquals(6, drift.getElementsByTagName("polyline").getLength());
        String legend = drift.getTextContent();
        assertTrue(legend.contains("layer 0 g") && legend.contains("layer 1 V") && !legend.contains("layer 2"), legend);
        assertEquals(3 * 4, ((Element) drift.getElementsByTagName("polyline").item(0)).getAttribute("points").split(" ").length);
        // Stragglers: 800/750 in the first round of each epoch, 900/800 in the others.
        Element stragglers = charts.get(4);
        String[] ratio = ((Element) stragglers.getElementsByTagName("polyline").item(0)).getAttribute("points").split(" ");
        assertEquals(12, ratio.length);
        assertTrue(Double.parseDouble(ratio[1].split(",")[1]) < Double.parseDouble(ratio[0].split(",")[1]),
                "the second round's larger ratio drawn higher");

        // Confusion: a cell per pair, titled with the escaped class names and counts.
        Element confusion = charts.get(6);
        String text = confusion.getTextContent();
        assertTrue(text.contains("<Trouser & \"co\"> as T-shirt/top: 10"), text);

        // Gain histogram counts add up to the layer's units.
        Element gain = charts.get(7);
        int units = 0;
        for (int i = 0; i < gain.getElementsByTagName("rect").getLength(); i++) {
            String title = gain.getElementsByTagName("rect").item(i).getTextContent();
            if (title.contains("units: ")) {
                units += Integer.parseInt(title.substring(title.indexOf("units: ") + 7).trim());
            }
        }
        assertEquals(24, units);
    }

    @Test
    void theAveragingParagraphNamesTheExecutorSlowestMostOften() {
        String html = HtmlReport.render(SampleRun.of("sample", SampleRun.network(1), 0.70, 0.80, 0.85));
        assertTrue(html.contains("most often on executor 2@10.0.0.2 (9 of 12 rounds)"), html);
        assertTrue(html.contains("1.13&times; at worst"), "900 / 800");
    }

    @Test
    void withoutTrainingStatsTheTimeChartShowsTrainingAndEvaluation() throws Exception {
        RunMetrics full = SampleRun.of("sample", SampleRun.network(1), 0.70, 0.80);
        List<RunMetrics.Epoch> plain = full.epochs().stream().map(e -> new RunMetrics.Epoch(new EpochMetrics(
                e.metrics().epoch(), e.metrics().epochs(), e.metrics().trainLoss(), e.metrics().testLoss(),
                e.metrics().testAccuracy(), e.metrics().macroF1(), e.metrics().classes(), e.metrics().trainExamples(),
                e.metrics().rounds(), e.metrics().trainSeconds(), e.metrics().evalSeconds(),
                e.metrics().samplesPerSecond(), e.metrics().elapsedSeconds(), e.metrics().remainingSeconds(), java.util.Optional.empty()),
                e.spark(), e.memory(), e.retry())).toList();
        RunMetrics run = new RunMetrics(full.format(), full.run(), full.configDigest(), full.data(), full.settings(),
                plain, full.rounds(), full.partitions(), full.spark(), full.model(), full.result(), full.stopping());
        Element time = charts(HtmlReport.render(run)).get(2);
        String text = time.getTextContent();
        assertTrue(text.contains("training") && text.contains("evaluation") && !text.contains("broadcast"), text);
    }
}
