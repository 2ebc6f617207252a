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

    public static String format(EpochMetrics m) {
        int width = String.valueOf(m.epochs()).length();
        return String.format(Locale.ROOT, "epoch %" + width + "d/%d  loss %.4f  test loss %.4f  test acc %.4f  %,.0f samples/s  elapsed %s  remaining %s",
                m.epoch(), m.epochs(), m.trainLoss(), m.testLoss(), m.testAccuracy(), m.samplesPerSecond(),
                duration(m.elapsedSeconds()), duration(m.remainingSeconds()));
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
