package io.normdrop.metrics;

import io.normdrop.nn.NetworkDiagnostics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.normdrop.metrics.Svg.esc;

/**
 * {@code report.html}: one self-contained page per run (inline SVG and CSS, no script, no
 * network) with loss and accuracy per epoch, where each epoch's time went, per-class accuracy,
 * the confusion matrix and the weight-norm gain distributions.
 */
public final class HtmlReport {
    /**
     * Colors of the time-breakdown segments (broadcast, fit, aggregation, repartition, export,
     * other, evaluation), apart from the line colors so that each chart's color is its own.
     */
    static final String[] TIME_COLORS = {"#6baed6", "#31a354", "#fd8d3c", "#9e9ac8", "#a1d99b", "#bdbdbd", "#e7969c"};
    static final String LOSS_TRAIN = "#1f77b4";
    static final String LOSS_TEST = "#ff7f0e";
    static final String ACCURACY = "#2ca02c";
    static final String MACRO_F1 = "#d62728";
    static final String VALIDATION = "#7f7f7f";
    static final String CLASS_ACCURACY = "#9467bd";
    static final String GAIN = "#17becf";
    static final String NORM = "#bcbd22";
    /** Drift lines: the workers' mean and largest, then the weight-norm tensors' g and V, layer by layer. */
    static final String[] DRIFT = {"#08519c", "#6baed6", "#e6550d", "#fdae6b", "#756bb1", "#bcbddc", "#636363", "#bdbdbd"};
    static final String STRAGGLER = "#8c564b";

    private HtmlReport() {
    }

    public static String render(RunMetrics m) {
        List<EpochMetrics> e = m.epochs().stream().map(RunMetrics.Epoch::metrics).toList();
        double[] x = e.stream().mapToDouble(EpochMetrics::epoch).toArray();
        StringBuilder sb = new StringBuilder();
        page(sb, "Normdrop run: " + m.run().name());
        sb.append("<h1>").append(esc(m.run().name())).append("</h1>\n<p class=\"sub\">")
                .append(esc(m.run().directory())).append(" &middot; finished ").append(esc(m.run().finishedAt()))
                .append(" &middot; Normdrop ").append(esc(m.run().codeVersion())).append("</p>\n");
        sb.append("<div class=\"tiles\">");
        tile(sb, "test accuracy", pct(m.result().accuracy()));
        tile(sb, "best epoch", pct(m.result().bestAccuracy()));
        tile(sb, "macro F1", String.format(Locale.ROOT, "%.4f", m.result().macroF1()));
        tile(sb, "test loss", String.format(Locale.ROOT, "%.4f", m.result().testLoss()));
        tile(sb, "epochs", m.stopping().keptEpoch() == e.size() ? String.valueOf(e.size())
                : e.size() + " (kept " + m.stopping().keptEpoch() + ")");
        tile(sb, "wall time", duration(m.run().wallSeconds()));
        tile(sb, "samples/s", String.format(Locale.ROOT, "%,.0f", e.stream().mapToDouble(EpochMetrics::samplesPerSecond).average().orElse(0)));
        tile(sb, "parameters", String.format(Locale.ROOT, "%,d", m.model().parameters()));
        sb.append("</div>\n");
        sb.append("<p class=\"sub\">Kept: epoch ").append(m.stopping().keptEpoch()).append(" (chosen by ")
                .append(esc(m.stopping().chosenBy())).append("); ").append(esc(m.stopping().reason())).append(".</p>\n");

        sb.append("<h2>Training</h2>\n<div class=\"row\">\n");
        boolean validated = e.stream().allMatch(ep -> ep.validation() != null);
        List<Svg.Series> losses = new java.util.ArrayList<>(List.of(
                new Svg.Series("train", LOSS_TRAIN, x, e.stream().mapToDouble(EpochMetrics::trainLoss).toArray()),
                new Svg.Series("test", LOSS_TEST, x, e.stream().mapToDouble(EpochMetrics::testLoss).toArray())));
        List<Svg.Series> accuracies = new java.util.ArrayList<>(List.of(
                new Svg.Series("accuracy", ACCURACY, x, e.stream().mapToDouble(EpochMetrics::testAccuracy).toArray()),
                new Svg.Series("macro F1", MACRO_F1, x, e.stream().mapToDouble(EpochMetrics::macroF1).toArray())));
        if (validated) {
            losses.add(new Svg.Series("validation", VALIDATION, x, e.stream().mapToDouble(ep -> ep.validation().loss())
                    .toArray()));
            accuracies.add(new Svg.Series("validation accuracy", VALIDATION, x, e.stream()
                    .mapToDouble(ep -> ep.validation().accuracy()).toArray()));
        }
        sb.append(Svg.lineChart("loss", "Loss per epoch", "epoch", "loss", losses));
        sb.append(Svg.lineChart("accuracy", validated ? "Test and validation accuracy per epoch" : "Test accuracy per epoch",
                "epoch", "", accuracies));
        sb.append(timeChart(e));
        sb.append("</div>\n");
        averaging(sb, m);

        sb.append("<h2>Classes (test set, last epoch)</h2>\n<div class=\"row\">\n");
        List<String> names = m.data().classNames();
        String[] labels = new String[m.result().classes().size()];
        double[] recall = new double[labels.length];
        for (int c = 0; c < labels.length; c++) {
            labels[c] = c < names.size() ? names.get(c) : String.valueOf(c);
            recall[c] = m.result().classes().get(c).recall();
        }
        // Many classes: their labels under the bars, the names in the table below.
        String[] axis = labels.length > 8 ? IntStream.range(0, labels.length).mapToObj(String::valueOf).toArray(String[]::new)
                : labels;
        sb.append(Svg.fractionBars("class-accuracy", "Accuracy per class (recall)", "accuracy", axis, recall, CLASS_ACCURACY));
        sb.append(Svg.heatmap("confusion", "Confusion matrix", "actual class", "predicted class", labels,
                m.result().confusion()));
        sb.append("</div>\n");
        classTable(sb, labels, m.result().classes());

        List<NetworkDiagnostics.Layer> wn = m.model().layers().stream().filter(l -> l.gain() != null).toList();
        sb.append("<h2>Model</h2>\n");
        if (!wn.isEmpty()) {
            sb.append("<div class=\"row\">\n");
            for (NetworkDiagnostics.Layer l : wn) {
                String units = l.type().equals("WeightNormConv2D") ? " channels)" : " units)";
                sb.append(Svg.histogram("gain-" + l.index(), "Layer " + l.index() + ": gain g (" + l.gain().count() + units,
                        "g", l.gain().edges(), l.gain().counts(), GAIN));
                sb.append(Svg.histogram("norm-" + l.index(), "Layer " + l.index() + ": direction norm \u2016v\u2016",
                        "\u2016v\u2016", l.directionNorm().edges(), l.directionNorm().counts(), NORM));
            }
            sb.append("</div>\n");
        }
        layerTable(sb, m.model());

        sb.append("<h2>Spark</h2>\n");
        RunMetrics.Data d = m.data();
        sb.append(String.format(Locale.ROOT, "<p>Data: %s, %,d training and %,d test examples of %,d features, %d classes;"
                        + " scaling %s%s.</p>%n", esc(String.valueOf(d.format())), d.trainExamples(), d.testExamples(),
                d.features(), d.classNames().size(), esc(String.valueOf(d.normalization())),
                d.badTrain() + d.badTest() == 0 ? "" : String.format(Locale.ROOT,
                        "; bad records skipped: %,d training, %,d test", d.badTrain(), d.badTest())));
        if (!m.partitions().isEmpty()) {
            java.util.LongSummaryStatistics p = m.partitions().stream().mapToLong(Long::longValue).summaryStatistics();
            sb.append(String.format(Locale.ROOT, "<p>Training data in %d partitions of %,d to %,d examples (mean %,.0f).</p>%n",
                    p.getCount(), p.getMin(), p.getMax(), p.getAverage()));
        }
        sparkTables(sb, m);
        sb.append("<h2>Epochs</h2>\n");
        epochTable(sb, m.epochs());
        sb.append("<p class=\"sub\">config digest ").append(esc(m.configDigest())).append(" &middot; data digest ")
                .append(esc(m.data().digest())).append(" &middot; parameter digest ")
                .append(esc(m.model().parameterDigest())).append("</p>\n</body></html>\n");
        return sb.toString();
    }

    /**
     * The workers' drift before every average (mean and largest, and the weight-norm layers' g and
     * V) and the stragglers, round by round; nothing for a master that does not measure them.
     */
    private static void averaging(StringBuilder sb, RunMetrics m) {
        List<RoundMetrics> rounds = m.rounds().stream().filter(r -> r.averaging().isPresent()).toList();
        List<AveragingStats> stats = rounds.stream().map(r -> r.averaging().orElseThrow()).toList();
        AveragingStats.Summary all = AveragingStats.Summary.of(stats);
        if (all == null) {
            return;
        }
        // x: the epoch and how far into it, so that rounds line up with the epoch charts.
        Map<Integer, Long> perEpoch = rounds.stream().collect(Collectors.groupingBy(RoundMetrics::epoch, Collectors.counting()));
        double[] x = rounds.stream().mapToDouble(r -> r.epoch() - 1 + (double) r.round() / perEpoch.get(r.epoch())).toArray();
        List<Svg.Series> drift = new ArrayList<>(List.of(
                new Svg.Series("mean", DRIFT[0], x, stats.stream().mapToDouble(AveragingStats::driftMean).toArray()),
                new Svg.Series("max", DRIFT[1], x, stats.stream().mapToDouble(AveragingStats::driftMax).toArray())));
        List<AveragingStats.TensorDrift> tensors = stats.get(0).tensors();
        for (int t = 0; t < tensors.size() && drift.size() < DRIFT.length; t++) {
            AveragingStats.TensorDrift tensor = tensors.get(t);
            // The weight-norm layers' gain g and direction V (DL4J's parameter keys).
            if (tensor.param().equals("g") || tensor.param().equals("V")) {
                int index = t;
                drift.add(new Svg.Series("layer " + tensor.layer() + " " + tensor.param(), DRIFT[drift.size()], x,
                        stats.stream().mapToDouble(a -> a.tensors().get(index).mean()).toArray()));
            }
        }
        sb.append("<h2>Averaging</h2>\n<div class=\"row\">\n");
        sb.append(Svg.lineChart("drift", "Workers' drift before each average, \u2016\u03b8\u1d62 \u2212 \u03b8\u0304\u2016 / "
                + "\u2016\u03b8\u0304\u2016", "epoch", "drift", drift));
        sb.append(Svg.lineChart("stragglers", "Slowest worker's fit time over the mean, per round", "epoch", "ratio",
                List.of(new Svg.Series("straggler ratio", STRAGGLER, x,
                        stats.stream().mapToDouble(AveragingStats::stragglerRatio).toArray()))));
        sb.append("</div>\n");
        sb.append(String.format(Locale.ROOT, "<p>%s. %,d averages; drift mean %.3g, largest %.3g; the workers' round losses "
                        + "%.3g apart on average. Slowest worker: %.2f&times; the mean fit time on average, %.2f&times; at worst; "
                        + "most often on executor %s (%d of %d rounds).</p>%n", esc(m.settings().averaging()), all.rounds(),
                all.driftMean(), all.driftMax(), all.lossSpread(), all.stragglerRatio(), all.stragglerMax(),
                esc(all.slowestExecutor()), all.slowestRounds(), all.rounds()));
    }

    private static String timeChart(List<EpochMetrics> e) {
        String[] cats = e.stream().map(m -> String.valueOf(m.epoch())).toArray(String[]::new);
        List<Svg.Stack> stacks = new ArrayList<>();
        List<TimeBreakdown> times = e.stream().flatMap(m -> m.time().stream()).toList();
        boolean breakdown = times.size() == e.size();
        if (breakdown) {
            stacks.add(new Svg.Stack("broadcast", TIME_COLORS[0], times.stream().mapToDouble(TimeBreakdown::broadcast).toArray()));
            stacks.add(new Svg.Stack("fit", TIME_COLORS[1], times.stream().mapToDouble(TimeBreakdown::fit).toArray()));
            stacks.add(new Svg.Stack("aggregation", TIME_COLORS[2], times.stream().mapToDouble(TimeBreakdown::aggregation).toArray()));
            stacks.add(new Svg.Stack("repartition", TIME_COLORS[3], times.stream().mapToDouble(TimeBreakdown::repartition).toArray()));
            stacks.add(new Svg.Stack("export", TIME_COLORS[4], times.stream().mapToDouble(TimeBreakdown::export).toArray()));
            stacks.add(new Svg.Stack("other", TIME_COLORS[5], times.stream().mapToDouble(TimeBreakdown::other).toArray()));
        } else {
            stacks.add(new Svg.Stack("training", TIME_COLORS[1], e.stream().mapToDouble(EpochMetrics::trainSeconds).toArray()));
        }
        stacks.add(new Svg.Stack("evaluation", TIME_COLORS[6], e.stream().mapToDouble(EpochMetrics::evalSeconds).toArray()));
        return Svg.stackedBars("time", "Time per epoch", "epoch", "seconds", cats, stacks);
    }

    private static void classTable(StringBuilder sb, String[] labels, List<ClassMetrics> classes) {
        sb.append("<table><tr><th>class</th><th>name</th><th>precision</th><th>recall</th><th>F1</th><th>examples</th></tr>\n");
        for (ClassMetrics c : classes) {
            sb.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%s</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%,d</td></tr>%n",
                    c.label(), esc(labels[c.label()]), c.precision(), c.recall(), c.f1(), c.support()));
        }
        sb.append("</table>\n");
    }

    private static void layerTable(StringBuilder sb, NetworkDiagnostics model) {
        sb.append("<table><tr><th>#</th><th>layer</th><th>parameters</th><th>input keep</th><th>g mean &plusmn; std</th><th>&Vert;v&Vert; mean &plusmn; std</th></tr>\n");
        for (NetworkDiagnostics.Layer l : model.layers()) {
            sb.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%s</td><td>%,d</td><td>%s</td><td>%s</td><td>%s</td></tr>%n",
                    l.index(), esc(l.type()), l.parameters(), l.keep() == 1.0 ? "1 (no dropout)" : Svg.num(l.keep()),
                    dist(l.gain()), dist(l.directionNorm())));
        }
        sb.append(String.format(Locale.ROOT, "<tr><td></td><td>total</td><td>%,d</td><td></td><td></td><td></td></tr>%n</table>%n",
                model.parameters()));
    }

    private static String dist(NetworkDiagnostics.Distribution d) {
        return d == null ? "" : String.format(Locale.ROOT, "%.4g &plusmn; %.3g", d.mean(), d.std());
    }

    private static void sparkTables(StringBuilder sb, RunMetrics m) {
        SparkStats t = m.spark().totals();
        sb.append(String.format(Locale.ROOT, "<p>Spark %s on %s: %,d tasks (%d failed, %d retried), %.1f s of task time, "
                        + "%.1f s GC, %.1f s (de)serialization, %s of results, %d executor(s) added, %d lost. Driver peak: "
                        + "heap %s, ND4J off-heap %s, RSS %s.</p>%n",
                esc(m.spark().version()), esc(m.spark().master()), t.tasks(), t.failedTasks(), t.retriedTasks(),
                t.taskSeconds(), t.gcSeconds(), t.serializationSeconds(), bytes(t.resultBytes()), t.executorsAdded(),
                t.executorsRemoved(), bytes(m.spark().peakDriverMemory().heapUsedBytes()),
                bytes(m.spark().peakDriverMemory().nd4jOffHeapBytes()), bytes(m.spark().peakDriverMemory().rssBytes())));
        sb.append("<table><tr><th>executor</th><th>tasks</th><th>failed</th><th>task time</th><th>GC</th><th>peak heap</th><th>peak RSS</th></tr>\n");
        for (ExecutorStats x : m.spark().executors()) {
            sb.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%,d</td><td>%d</td><td>%.1f s</td><td>%.1f s</td><td>%s</td><td>%s</td></tr>%n",
                    esc(x.executorId()), x.tasks(), x.failedTasks(), x.taskSeconds(), x.gcSeconds(), bytes(x.peakHeapBytes()),
                    bytes(x.peakRssBytes())));
        }
        sb.append("</table>\n");
    }

    private static void epochTable(StringBuilder sb, List<RunMetrics.Epoch> epochs) {
        sb.append("<table><tr><th>epoch</th><th>train loss</th><th>val loss</th><th>val acc</th><th>test loss</th>"
                + "<th>accuracy</th><th>macro F1</th><th>train s</th><th>eval s</th><th>samples/s</th><th>rounds</th>"
                + "<th>tasks</th><th>GC s</th><th>ND4J off-heap</th></tr>\n");
        for (RunMetrics.Epoch ep : epochs) {
            EpochMetrics e = ep.metrics();
            EpochMetrics.Validation v = e.validation();
            sb.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%.4f</td><td>%s</td><td>%s</td><td>%.4f</td><td>%.4f</td>"
                            + "<td>%.4f</td><td>%.1f</td>"
                            + "<td>%.1f</td><td>%,.0f</td><td>%d</td><td>%,d</td><td>%.2f</td><td>%s</td></tr>%n",
                    e.epoch(), e.trainLoss(), v == null ? "" : String.format(Locale.ROOT, "%.4f", v.loss()),
                    v == null ? "" : String.format(Locale.ROOT, "%.4f", v.accuracy()), e.testLoss(), e.testAccuracy(),
                    e.macroF1(), e.trainSeconds(), e.evalSeconds(),
                    e.samplesPerSecond(), e.rounds(), ep.spark().tasks(), ep.spark().gcSeconds(),
                    bytes(ep.memory().nd4jOffHeapBytes())));
        }
        sb.append("</table>\n");
    }

    // ---- shared page pieces (also used by the comparison report) ----------------------------

    static void page(StringBuilder sb, String title) {
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>").append(esc(title))
                .append("</title>\n<style>\n")
                .append("body{font-family:sans-serif;margin:24px;color:#222;max-width:1800px}\n")
                .append("h1{margin-bottom:4px}h2{margin-top:28px;border-bottom:1px solid #ddd}\n")
                .append(".sub{color:#666;font-size:13px}\n")
                .append(".tiles{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}\n")
                .append(".tile{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:110px}\n")
                .append(".tile b{display:block;font-size:22px}.tile span{color:#666;font-size:12px}\n")
                .append(".row{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}\n")
                .append("svg.chart{border:1px solid #eee;border-radius:4px;background:#fff}\n")
                .append("table{border-collapse:collapse;margin:12px 0;font-size:13px}\n")
                .append("td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f4f4f4}\n")
                .append("td:first-child,th:first-child{text-align:left}\n")
                .append("</style></head><body>\n");
    }

    static void tile(StringBuilder sb, String label, String value) {
        sb.append("<div class=\"tile\"><b>").append(esc(value)).append("</b><span>").append(esc(label)).append("</span></div>");
    }

    static String pct(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    static String duration(double seconds) {
        return ProgressLine.duration(seconds);
    }

    static String bytes(long b) {
        if (b <= 0) {
            return "-";
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = (int) Math.min(units.length - 1, Math.floor(Math.log(b) / Math.log(1024)));
        return String.format(Locale.ROOT, "%.1f %s", b / Math.pow(1024, u), units[u]);
    }
}
