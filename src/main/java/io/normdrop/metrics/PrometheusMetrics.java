package io.normdrop.metrics;

import io.normdrop.config.MetricsConfig;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Gauge;
import io.prometheus.client.exporter.PushGateway;
import io.prometheus.client.exporter.common.TextFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * A run's metrics in Prometheus terms: gauges labelled with the job's name ({@code model}),
 * written in the text exposition format ({@code metrics.prom}, for node_exporter's textfile
 * collector) or pushed to a Pushgateway. Values describe the last successful run, so a
 * scheduler's dashboards and alerts see accuracy, loss and duration night after night.
 */
public final class PrometheusMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(PrometheusMetrics.class);

    private final CollectorRegistry registry = new CollectorRegistry();
    private final String model;

    private PrometheusMetrics(String model) {
        this.model = model;
    }

    /** Gauges for a finished run. */
    public static PrometheusMetrics of(RunMetrics m, long finishedEpochSeconds) {
        PrometheusMetrics p = new PrometheusMetrics(m.run().name());
        RunMetrics.Result r = m.result();
        p.gauge("normdrop_test_accuracy", "Test accuracy of the kept network (the last epoch's, or early stopping's best)",
                r.accuracy());
        p.gauge("normdrop_best_test_accuracy", "Best test accuracy over the epochs", r.bestAccuracy());
        p.gauge("normdrop_test_loss", "Test loss of the kept network", r.testLoss());
        p.gauge("normdrop_macro_f1", "Macro F1 on the test set of the kept network", r.macroF1());
        EpochMetrics last = m.epochs().get(m.epochs().size() - 1).metrics();
        p.gauge("normdrop_train_loss", "Training loss of the last epoch", last.trainLoss());
        p.gauge("normdrop_epochs", "Epochs trained", m.epochs().size());
        p.gauge("normdrop_kept_epoch", "The epoch whose network the run kept", m.stopping().keptEpoch());
        m.epochs().stream().map(e -> e.metrics()).filter(e -> e.epoch() == m.stopping().keptEpoch()
                && e.validation() != null).findFirst().ifPresent(kept -> {
                    p.gauge("normdrop_validation_accuracy", "Validation accuracy of the kept network",
                            kept.validation().accuracy());
                    p.gauge("normdrop_validation_loss", "Validation loss of the kept network", kept.validation().loss());
                });
        p.gauge("normdrop_train_examples", "Training examples per epoch", m.data().trainExamples());
        p.gauge("normdrop_parameters", "Trainable parameters of the model", m.model().parameters());
        p.gauge("normdrop_run_duration_seconds", "Wall time of the run, data loading included", m.run().wallSeconds());
        p.gauge("normdrop_training_seconds", "Wall time spent training, evaluation excluded",
                m.epochs().stream().mapToDouble(e -> e.metrics().trainSeconds()).sum());
        p.gauge("normdrop_evaluation_seconds", "Wall time spent evaluating the test set",
                m.epochs().stream().mapToDouble(e -> e.metrics().evalSeconds()).sum());
        p.gauge("normdrop_samples_per_second", "Training throughput, mean over epochs",
                m.epochs().stream().mapToDouble(e -> e.metrics().samplesPerSecond()).average().orElse(0));
        SparkStats s = m.spark().totals();
        p.gauge("normdrop_spark_tasks", "Spark tasks run", s.tasks());
        p.gauge("normdrop_spark_failed_tasks", "Spark tasks that failed", s.failedTasks());
        p.gauge("normdrop_spark_retried_tasks", "Spark task attempts after the first", s.retriedTasks());
        p.gauge("normdrop_spark_gc_seconds", "JVM GC time during Spark tasks", s.gcSeconds());
        p.gauge("normdrop_spark_executors_lost", "Executors lost during the run", s.executorsRemoved());
        p.gauge("normdrop_driver_nd4j_offheap_peak_bytes", "Peak ND4J off-heap bytes on the driver",
                m.spark().peakDriverMemory().nd4jOffHeapBytes());
        p.gauge("normdrop_last_success_timestamp_seconds", "When the run finished (Unix time)", finishedEpochSeconds);
        List<TimeBreakdown> timed = m.epochs().stream().flatMap(e -> e.metrics().time().stream()).toList();
        if (!timed.isEmpty()) {
            // Only runs whose rounds were timed (metrics.trainingStats) have a breakdown to show.
            Gauge phase = Gauge.build("normdrop_training_phase_seconds", "Training time by activity, summed over rounds")
                    .labelNames("model", "phase").register(p.registry);
            TimeBreakdown t = timed.stream().reduce(TimeBreakdown.ZERO, TimeBreakdown::plus);
            for (Map.Entry<String, Double> e : Map.of("broadcast", t.broadcast(), "fit", t.fit(),
                    "aggregation", t.aggregation(), "repartition", t.repartition(), "export", t.export(),
                    "other", t.other()).entrySet()) {
                phase.labels(p.model, e.getKey()).set(e.getValue());
            }
        }
        int lastEpoch = last.epoch();
        AveragingStats.Summary averaging = AveragingStats.Summary.ofRounds(
                m.rounds().stream().filter(round -> round.epoch() == lastEpoch).toList());
        if (averaging != null) {
            // The last epoch's averaging: how far the workers drift apart, and who holds the rounds up.
            Gauge drift = Gauge.build("normdrop_worker_drift", "Workers' relative distance from their average before it "
                    + "(||theta_i - mean|| / ||mean||), last epoch: mean over rounds of the workers' mean, and the largest")
                    .labelNames("model", "stat").register(p.registry);
            drift.labels(p.model, "mean").set(averaging.driftMean());
            drift.labels(p.model, "max").set(averaging.driftMax());
            Gauge tensor = Gauge.build("normdrop_worker_drift_tensor", "Workers' mean relative drift per parameter "
                    + "tensor (weight-norm layers: g and V), last epoch's mean over rounds")
                    .labelNames("model", "layer", "param").register(p.registry);
            for (AveragingStats.TensorDrift t : averaging.tensors()) {
                tensor.labels(p.model, String.valueOf(t.layer()), t.param()).set(t.mean());
            }
            p.gauge("normdrop_worker_loss_spread", "Highest minus lowest of the workers' round losses, last epoch's mean",
                    averaging.lossSpread());
            p.gauge("normdrop_straggler_ratio", "Slowest worker's fit time over the workers' mean, last epoch's mean "
                    + "over rounds", averaging.stragglerRatio());
            Gauge slowest = Gauge.build("normdrop_slowest_executor_rounds", "Rounds of the last epoch in which this "
                    + "executor ran the slowest worker (the one slowest most often)")
                    .labelNames("model", "executor").register(p.registry);
            slowest.labels(p.model, averaging.slowestExecutor()).set(averaging.slowestRounds());
        }
        Gauge recall = Gauge.build("normdrop_class_recall", "Per-class accuracy (recall) on the test set")
                .labelNames("model", "class").register(p.registry);
        for (ClassMetrics c : r.classes()) {
            String name = c.label() < m.data().classNames().size() ? m.data().classNames().get(c.label())
                    : String.valueOf(c.label());
            recall.labels(p.model, name).set(c.recall());
        }
        return p;
    }

    private void gauge(String name, String help, double value) {
        Gauge.build(name, help).labelNames("model").register(registry).labels(model).set(value);
    }

    /** The text exposition format (version 0.0.4), as node_exporter's textfile collector reads it. */
    public String text() {
        StringWriter w = new StringWriter();
        try {
            TextFormat.write004(w, registry.metricFamilySamples());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /**
     * Publishes these metrics as the job asks: into a textfile-collector directory and to a
     * Pushgateway. Neither may fail the run: a failure is one warning line on {@code err} (and
     * the stack trace in the log).
     */
    public void publish(MetricsConfig metrics, PrintWriter err) {
        if (metrics.textfileDir() != null) {
            java.nio.file.Path dir = java.nio.file.Path.of(metrics.textfileDir());
            try {
                Files.createDirectories(dir);
                // Not createTempFile: its mode 0600 would hide the file from a node_exporter running as
                // another user; a plain create follows the umask like the file it replaces.
                java.nio.file.Path temp = Files.createFile(dir.resolve(".normdrop-" + java.util.UUID.randomUUID() + ".prom.tmp"));
                Files.writeString(temp, text());
                Files.move(temp, dir.resolve(MetricsFiles.PROMETHEUS_FILE), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | RuntimeException e) {
                warn(err, "could not write " + MetricsFiles.PROMETHEUS_FILE + " to metrics.textfileDir " + dir + ": " + e, e);
            }
        }
        MetricsConfig.Pushgateway gateway = metrics.pushgateway();
        if (gateway.enabled()) {
            try {
                push(gateway, System.getenv());
            } catch (IOException | RuntimeException e) {
                warn(err, "metrics not pushed to the Pushgateway at " + gateway.url() + ": " + e
                        + " (the run itself succeeded)", e);
            }
        }
    }

    private static void warn(PrintWriter err, String message, Exception e) {
        LOG.warn(message, e);
        err.println("normdrop: warning: " + message.replaceAll("\\s*\\R\\s*", " "));
        err.flush();
    }

    /**
     * Replaces this model's group on a Pushgateway (HTTP PUT to
     * {@code /metrics/job/JOB/model/MODEL}), with the gateway's credentials and TLS trust.
     *
     * @param environment where {@code passwordEnv} is looked up
     * @throws IOException when the gateway cannot be reached, refuses the push (a wrong password:
     *                     401) or its certificate is not trusted
     */
    public void push(MetricsConfig.Pushgateway gateway, Map<String, String> environment) throws IOException {
        PushGateway client = new PushGateway(new URL(gateway.url()));
        client.setConnectionFactory(PushgatewayConnections.of(gateway, environment));
        client.push(registry, gateway.job(), Map.of("model", model));
    }
}
