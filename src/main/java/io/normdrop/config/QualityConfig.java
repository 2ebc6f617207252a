package io.normdrop.config;

import com.typesafe.config.Config;

/**
 * The quality gate a run must pass before it is published (runs with a run id only) and before
 * the job reports success: the values of the keys under {@code quality}, declared below.
 */
public record QualityConfig(double minAccuracy, Double maxDrop) {
    static final Key<Double> MIN_ACCURACY = Key.number("quality.minAccuracy", 0.0, """
            Lowest acceptable test accuracy after the last epoch, in [0, 1]; 0: no gate. A run below it fails \
            with exit code 81 and publishes nothing; its run directory is kept for inspection.""",
            Rules.fraction());
    static final Key<Double> MAX_DROP = Key.optionalNumber("quality.maxDrop", """
            Largest acceptable drop of test accuracy below the published run's (runs with a run id), in [0, 1], \
            e.g. 0.01 = one point; null: not compared.""", Rules.fraction());

    public QualityConfig {
        MIN_ACCURACY.check(minAccuracy);
        MAX_DROP.check(maxDrop);
    }

    static QualityConfig from(Config c) {
        return new QualityConfig(MIN_ACCURACY.read(c), MAX_DROP.read(c));
    }
}
