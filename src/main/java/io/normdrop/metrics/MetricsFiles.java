package io.normdrop.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The files a run's metrics are written as: {@code metrics.json} (the whole {@link RunMetrics}
 * document) and {@code epochs.csv} (one row per epoch, for spreadsheets and pandas; the averaging
 * columns summarize the epoch's rounds as {@link AveragingStats.Summary} does, empty where the
 * master does not measure them).
 */
public final class MetricsFiles {
    public static final String JSON_FILE = "metrics.json";
    public static final String CSV_FILE = "epochs.csv";
    public static final String REPORT_FILE = "report.html";
    public static final String PROMETHEUS_FILE = "metrics.prom";

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new Jdk8Module())
            .enable(SerializationFeature.INDENT_OUTPUT);

    private MetricsFiles() {
    }

    public static String json(RunMetrics metrics) {
        try {
            return JSON.writeValueAsString(metrics);
        } catch (IOException e) {
            throw new IllegalStateException("metrics.json could not be written", e);
        }
    }

    /**
     * Reads a {@code metrics.json} as a tree (readers of older or newer documents take what they
     * know), after checking its format.
     *
     * @param name what to call the file in an error
     */
    public static JsonNode read(InputStream in, String name) throws IOException {
        JsonNode node;
        try {
            node = JSON.readTree(in);
        } catch (IOException e) {
            throw new IOException(name + ": not a JSON document (" + e.getMessage() + ")", e);
        }
        String format = node == null ? null : node.path("format").asText(null);
        if (format == null || !format.startsWith("normdrop-metrics/")) {
            throw new IOException(name + ": not a Normdrop metrics document (format \"" + format + "\", expected "
                    + RunMetrics.FORMAT + ")");
        }
        return node;
    }

    /** {@code epochs.csv}: a header line, then one line per epoch. */
    public static String csv(RunMetrics metrics) {
        int classes = metrics.result().classes().size();
        List<String> header = new ArrayList<>(List.of("epoch", "train_loss", "test_loss", "test_accuracy", "macro_f1",
                "train_seconds", "eval_seconds", "samples_per_second", "elapsed_seconds", "rounds",
                "time_broadcast", "time_fit", "time_aggregation", "time_repartition", "time_export", "time_other",
                "spark_tasks", "spark_failed_tasks", "spark_gc_seconds", "driver_heap_bytes", "nd4j_offheap_bytes",
                "drift_mean", "drift_max", "loss_spread", "straggler_ratio", "straggler_max", "slowest_executor",
                "validation_loss", "validation_accuracy", "learning_rate"));
        for (int c = 0; c < classes; c++) {
            header.add("recall_" + c);
        }
        StringBuilder sb = new StringBuilder(String.join(",", header)).append('\n');
        for (RunMetrics.Epoch ep : metrics.epochs()) {
            EpochMetrics e = ep.metrics();
            List<String> row = new ArrayList<>(List.of(String.valueOf(e.epoch()), num(e.trainLoss()), num(e.testLoss()),
                    num(e.testAccuracy()), num(e.macroF1()), num(e.trainSeconds()), num(e.evalSeconds()),
                    num(e.samplesPerSecond()), num(e.elapsedSeconds()), String.valueOf(e.rounds())));
            row.addAll(e.time().map(t -> List.of(num(t.broadcast()), num(t.fit()), num(t.aggregation()),
                    num(t.repartition()), num(t.export()), num(t.other()))).orElse(List.of("", "", "", "", "", "")));
            row.addAll(List.of(String.valueOf(ep.spark().tasks()), String.valueOf(ep.spark().failedTasks()),
                    num(ep.spark().gcSeconds()), String.valueOf(ep.memory().heapUsedBytes()),
                    String.valueOf(ep.memory().nd4jOffHeapBytes())));
            AveragingStats.Summary a = AveragingStats.Summary.ofRounds(
                    metrics.rounds().stream().filter(r -> r.epoch() == e.epoch()).toList());
            row.addAll(a == null ? List.of("", "", "", "", "", "") : List.of(num(a.driftMean()), num(a.driftMax()),
                    num(a.lossSpread()), num(a.stragglerRatio()), num(a.stragglerMax()), a.slowestExecutor()));
            EpochMetrics.Validation v = e.validation();
            row.addAll(v == null ? List.of("", "", "") : List.of(num(v.loss()), num(v.accuracy()), num(v.learningRate())));
            for (ClassMetrics c : e.classes()) {
                row.add(num(c.recall()));
            }
            sb.append(String.join(",", row)).append('\n');
        }
        return sb.toString();
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "";
    }
}
