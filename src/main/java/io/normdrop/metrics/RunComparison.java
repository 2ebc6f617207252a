package io.normdrop.metrics;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import static io.normdrop.metrics.Svg.esc;

/**
 * Several runs side by side, from their {@code metrics.json}: accuracy, loss, time, averaging
 * rounds and the workers' drift, parameters, dropout, weight-norm and averaging settings, and
 * whether their trained parameters are bit-identical
 * (same parameter digest). Renders as a text table, Markdown or a self-contained HTML page.
 */
public final class RunComparison {
    private static final String[] HEADER = {"run", "val acc", "test acc", "best", "test loss", "macro F1", "epochs",
            "s/epoch", "samples/s", "rounds/epoch", "drift", "params", "layers", "dropout keep", "weight norm", "data init",
            "averaging", "param digest"};
    /** Columns from here on are text, aligned left. */
    private static final int FIRST_TEXT = 12;
    /** What the table says when it ranks the runs. */
    public static final String RANKED = "Ranked by validation accuracy of each run's kept epoch (the test set does not "
            + "choose).";

    /** One run: its label (e.g. the run directory's name) and metrics document. */
    public record Run(String label, JsonNode metrics) {
    }

    private final List<Run> runs;
    private final boolean ranked;

    /**
     * The runs in the order given, or, when every run has a validation set, ranked by its
     * validation accuracy (best first): the test set is for reporting, never for choosing.
     */
    public RunComparison(List<Run> runs) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("nothing to compare");
        }
        this.ranked = runs.stream().allMatch(r -> !Double.isNaN(validationAccuracy(r.metrics())));
        List<Run> ordered = new ArrayList<>(runs);
        if (ranked) {
            ordered.sort(java.util.Comparator.comparingDouble((Run r) -> validationAccuracy(r.metrics())).reversed());
        }
        this.runs = List.copyOf(ordered);
    }

    /** Whether the runs are ranked by validation accuracy ({@link #RANKED}). */
    public boolean ranked() {
        return ranked;
    }

    /** The validation accuracy of a run's kept epoch (its last, for documents without stopping); NaN without one. */
    static double validationAccuracy(JsonNode m) {
        JsonNode epochs = m.path("epochs");
        int kept = m.path("stopping").path("keptEpoch").asInt(epochs.size());
        for (JsonNode e : epochs) {
            if (e.path("metrics").path("epoch").asInt() == kept) {
                JsonNode v = e.path("metrics").path("validation").path("accuracy");
                return v.isNumber() ? v.asDouble() : Double.NaN;
            }
        }
        return Double.NaN;
    }

    /** The table's rows, formatted, in the order given. */
    public List<List<String>> rows() {
        Map<String, String> firstWithDigest = new LinkedHashMap<>();
        List<List<String>> rows = new ArrayList<>();
        for (Run r : runs) {
            JsonNode m = r.metrics();
            JsonNode s = m.path("settings");
            JsonNode epochs = m.path("epochs");
            double trainSeconds = 0;
            double samples = 0;
            for (JsonNode e : epochs) {
                trainSeconds += e.path("metrics").path("trainSeconds").asDouble();
                samples += e.path("metrics").path("samplesPerSecond").asDouble();
            }
            int n = Math.max(1, epochs.size());
            double drift = 0;
            int measured = 0;
            for (JsonNode round : m.path("rounds")) {
                JsonNode d = round.path("averaging").path("driftMean");
                if (d.isNumber()) {
                    drift += d.asDouble();
                    measured++;
                }
            }
            String digest = m.path("model").path("parameterDigest").asText("");
            String same = firstWithDigest.putIfAbsent(digest, r.label());
            String digestCell = digest.length() >= 12 ? digest.substring(0, 12) : digest;
            if (same != null) {
                digestCell += " (= " + same + ")";
            }
            List<String> keeps = new ArrayList<>();
            for (JsonNode k : s.path("dropout")) {
                keeps.add(java.math.BigDecimal.valueOf(k.asDouble()).stripTrailingZeros().toPlainString());
            }
            List<String> layers = new ArrayList<>();
            for (JsonNode l : s.path("layers")) {
                layers.add(l.asText());
            }
            double validation = validationAccuracy(m);
            rows.add(List.of(r.label(), Double.isNaN(validation) ? "-" : fmt(validation),
                    fmt(m.path("result").path("accuracy").asDouble(Double.NaN)),
                    fmt(m.path("result").path("bestAccuracy").asDouble(Double.NaN)),
                    fmt(m.path("result").path("testLoss").asDouble(Double.NaN)),
                    fmt(m.path("result").path("macroF1").asDouble(Double.NaN)),
                    String.valueOf(epochs.size()),
                    String.format(Locale.ROOT, "%.1f", trainSeconds / n),
                    String.format(Locale.ROOT, "%,.0f", samples / n),
                    String.format(Locale.ROOT, "%.1f", m.path("rounds").size() / (double) n),
                    measured == 0 ? "-" : String.format(Locale.ROOT, "%.3g", drift / measured),
                    String.format(Locale.ROOT, "%,d", m.path("model").path("parameters").asLong()),
                    String.join(", ", layers),
                    keeps.stream().allMatch("1"::equals) ? "none" : String.join(", ", keeps),
                    s.path("weightNorm").asBoolean() ? "yes" : "no",
                    s.path("dataInit").asBoolean() ? "yes" : "no",
                    s.path("averaging").asText("every " + s.path("averagingPeriod").asText(s.path("averagingFrequency").asText("?"))),
                    digestCell));
        }
        return rows;
    }

    /** A fixed-width text table for the terminal. */
    public String text() {
        List<List<String>> rows = rows();
        int[] width = new int[HEADER.length];
        for (int c = 0; c < HEADER.length; c++) {
            width[c] = HEADER[c].length();
            for (List<String> row : rows) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, List.of(HEADER), width);
        for (List<String> row : rows) {
            line(sb, row, width);
        }
        if (ranked) {
            sb.append(RANKED).append('\n');
        }
        return sb.toString().replaceAll(" +\n", "\n");
    }

    /** A Markdown table. */
    public String markdown() {
        StringBuilder sb = new StringBuilder("| ").append(String.join(" | ", HEADER)).append(" |\n|");
        sb.append("---|".repeat(HEADER.length)).append('\n');
        for (List<String> row : rows()) {
            sb.append("| ").append(row.stream().map(c -> c.replace("|", "\\|")).collect(Collectors.joining(" | ")))
                    .append(" |\n");
        }
        if (ranked) {
            sb.append('\n').append(RANKED).append('\n');
        }
        return sb.toString();
    }

    /**
     * A self-contained page: the table, accuracy and loss per epoch of every run, time per epoch,
     * and the workers' drift per epoch where measured.
     */
    public String html(String title) {
        StringBuilder sb = new StringBuilder();
        HtmlReport.page(sb, title);
        sb.append("<h1>").append(esc(title)).append("</h1>\n");
        if (ranked) {
            sb.append("<p class=\"sub\">").append(esc(RANKED)).append("</p>\n");
        }
        sb.append("<table><tr>");
        for (String h : HEADER) {
            sb.append("<th>").append(esc(h)).append("</th>");
        }
        sb.append("</tr>\n");
        for (List<String> row : rows()) {
            sb.append("<tr>");
            for (String c : row) {
                sb.append("<td>").append(esc(c)).append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</table>\n<div class=\"row\">\n");
        List<Svg.Series> accuracy = new ArrayList<>();
        List<Svg.Series> loss = new ArrayList<>();
        List<Svg.Series> drift = new ArrayList<>();
        String[] labels = new String[runs.size()];
        double[] final_ = new double[runs.size()];
        double[] perEpoch = new double[runs.size()];
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            String color = Svg.PALETTE[i % Svg.PALETTE.length];
            JsonNode epochs = r.metrics().path("epochs");
            double[] x = new double[epochs.size()];
            double[] acc = new double[epochs.size()];
            double[] testLoss = new double[epochs.size()];
            double seconds = 0;
            for (int e = 0; e < epochs.size(); e++) {
                JsonNode em = epochs.get(e).path("metrics");
                x[e] = em.path("epoch").asDouble();
                acc[e] = em.path("testAccuracy").asDouble(Double.NaN);
                testLoss[e] = em.path("testLoss").asDouble(Double.NaN);
                seconds += em.path("trainSeconds").asDouble();
            }
            accuracy.add(new Svg.Series(r.label(), color, x, acc));
            double[] epochDrift = epochDrift(r.metrics(), x);
            if (epochDrift != null) {
                drift.add(new Svg.Series(r.label(), color, x, epochDrift));
            }
            loss.add(new Svg.Series(r.label(), color, x, testLoss));
            labels[i] = String.valueOf(i + 1);
            final_[i] = r.metrics().path("result").path("accuracy").asDouble(0);
            perEpoch[i] = seconds / Math.max(1, epochs.size());
        }
        sb.append(Svg.lineChart("compare-accuracy", "Test accuracy per epoch", "epoch", "accuracy", accuracy));
        sb.append(Svg.lineChart("compare-loss", "Test loss per epoch", "epoch", "loss", loss));
        sb.append(Svg.fractionBars("compare-final", "Final test accuracy (runs in table order)", "accuracy", labels, final_,
                HtmlReport.ACCURACY));
        sb.append(Svg.bars("compare-time", "Training seconds per epoch (runs in table order)", "seconds", labels,
                perEpoch, HtmlReport.TIME_COLORS[1]));
        if (!drift.isEmpty()) {
            sb.append(Svg.lineChart("compare-drift", "Workers' mean drift before each average, per epoch", "epoch", "drift",
                    drift));
        }
        sb.append("</div>\n</body></html>\n");
        return sb.toString();
    }

    /** The mean over each epoch's rounds of the workers' mean drift, by epoch {@code x}; null when no round measured it. */
    private static double[] epochDrift(JsonNode metrics, double[] x) {
        double[] sum = new double[x.length];
        int[] count = new int[x.length];
        boolean any = false;
        for (JsonNode round : metrics.path("rounds")) {
            JsonNode d = round.path("averaging").path("driftMean");
            for (int e = 0; e < x.length && d.isNumber(); e++) {
                if (x[e] == round.path("epoch").asDouble()) {
                    sum[e] += d.asDouble();
                    count[e]++;
                    any = true;
                }
            }
        }
        for (int e = 0; e < x.length; e++) {
            sum[e] = count[e] == 0 ? Double.NaN : sum[e] / count[e];
        }
        return any ? sum : null;
    }

    private static void line(StringBuilder sb, List<String> cells, int[] width) {
        for (int c = 0; c < cells.size(); c++) {
            sb.append(String.format(Locale.ROOT, c == 0 || c >= FIRST_TEXT ? "%-" + width[c] + "s" : "%" + width[c] + "s", cells.get(c)));
            sb.append(c + 1 < cells.size() ? "  " : "\n");
        }
    }

    private static String fmt(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "-";
    }
}
