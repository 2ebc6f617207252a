package io.normdrop.metrics;

import io.normdrop.testing.Chromium;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reports as people see them: rendered by headless Chromium with no network, each chart's
 * colors must cover a good area of the screenshot (a chart that failed to draw leaves none).
 */
class ReportBrowserIT {
    /**
     * Each chart's own color, the fewest pixels of it (within a tolerance per channel) that the
     * drawn chart leaves: lines leave a few hundred besides their 144-pixel legend square, bars
     * and cells thousands.
     */
    static Map<String, int[]> runReportColors() {
        Map<String, int[]> c = new LinkedHashMap<>();
        c.put("loss: train line", new int[]{0x1f77b4, 300, 8});
        c.put("loss: test line", new int[]{0xff7f0e, 300, 8});
        c.put("accuracy line", new int[]{0x2ca02c, 300, 8});
        c.put("accuracy: macro F1 line", new int[]{0xd62728, 300, 8});
        c.put("time per epoch: fit segments", new int[]{0x31a354, 3_000, 8});
        c.put("per-class accuracy bars", new int[]{0x9467bd, 5_000, 8});
        c.put("confusion matrix: dark diagonal cells", new int[]{0x08306b, 2_000, 20});
        c.put("gain histograms", new int[]{0x17becf, 3_000, 8});
        c.put("direction-norm histograms", new int[]{0xbcbd22, 3_000, 8});
        return c;
    }

    static void assertDrawn(BufferedImage shot, Map<String, int[]> colors) {
        for (Map.Entry<String, int[]> e : colors.entrySet()) {
            int n = Chromium.pixels(shot, e.getValue()[0], e.getValue()[2]);
            assertTrue(n >= e.getValue()[1], e.getKey() + ": " + n + " pixels of #"
                    + Integer.toHexString(e.getValue()[0]));
        }
    }

    @Test
    void theRunReportRendersEveryChart(@TempDir Path dir) throws Exception {
        RunMetrics run = SampleRun.of("sample", SampleRun.network(1), 0.50, 0.70, 0.80, 0.85, 0.97);
        Path page = dir.resolve(MetricsFiles.REPORT_FILE);
        Files.writeString(page, HtmlReport.render(run));

        BufferedImage shot = Chromium.screenshot(page, 1400, 3200);
        assertEquals(1400, shot.getWidth());
        assertDrawn(shot, runReportColors());
    }

    @Test
    void theComparisonRendersALinePerRun(@TempDir Path dir) throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        RunComparison c = new RunComparison(java.util.List.of(
                new RunComparison.Run("a", json.readTree(MetricsFiles.json(SampleRun.of("a", SampleRun.network(1), 0.5, 0.7, 0.8)))),
                new RunComparison.Run("b", json.readTree(MetricsFiles.json(SampleRun.of("b", SampleRun.network(2), 0.4, 0.6, 0.9))))));
        Path page = dir.resolve("compare.html");
        Files.writeString(page, c.html("Compared"));

        BufferedImage shot = Chromium.screenshot(page, 1400, 1200);
        Map<String, int[]> colors = new LinkedHashMap<>();
        colors.put("run a lines", new int[]{Integer.parseInt(Svg.PALETTE[0].substring(1), 16), 400, 8});
        colors.put("run b lines", new int[]{Integer.parseInt(Svg.PALETTE[1].substring(1), 16), 400, 8});
        colors.put("final accuracy bars", new int[]{0x2ca02c, 3_000, 8});
        colors.put("time bars", new int[]{0x31a354, 3_000, 8});
        assertDrawn(shot, colors);
    }
}
