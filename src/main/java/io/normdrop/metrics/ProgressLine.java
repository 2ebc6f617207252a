package io.normdrop.metrics;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Prints one line per epoch for people watching a run:
 * {@code epoch 3/10  loss 0.4123  test acc 0.8712  15,234 samples/s  elapsed 0:42  remaining 1:38}.
 */
public final class ProgressLine implements MetricsSink {
    private final PrintWriter out;

    public ProgressLine(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void epoch(EpochMetrics m) {
        out.println(format(m));
        out.flush();
    }

    /** {@code normdrop: epoch 2 trained again (attempt 2): 37 of 60 rounds kept from the last average}. */
    @Override
    public void retried(EpochRetry r) {
        out.println(format(r));
        out.flush();
    }

    public static String format(EpochRetry r) {
        return String.format(Locale.ROOT, "normdrop: epoch %d trained again (attempt %d, a task failed or an executor was "
                + "lost): %s", r.epoch(), r.attempt(), r.roundsKept() == 0 ? "from the epoch's start"
                : String.format(Locale.ROOT, "%d of %d rounds kept from the last average", r.roundsKept(), r.rounds()));
    }

    public static String format(EpochMetrics m) {
        int width = String.valueOf(m.epochs()).length();
        EpochMetrics.Validation v = m.validation();
        return String.format(Locale.ROOT, "epoch %" + width + "d/%d  loss %.4f  %stest loss %.4f  test acc %.4f  %,.0f samples/s  elapsed %s  remaining %s",
                m.epoch(), m.epochs(), m.trainLoss(), v == null ? "" : String.format(Locale.ROOT,
                        "val loss %.4f  val acc %.4f  ", v.loss(), v.accuracy()), m.testLoss(), m.testAccuracy(),
                m.samplesPerSecond(), duration(m.elapsedSeconds()), duration(m.remainingSeconds()));
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
