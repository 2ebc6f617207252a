package io.normdrop.config;

/**
 * The quality gate a run must pass before it is published (runs with a run id only) and
 * before the job reports success.
 *
 * @param minAccuracy lowest acceptable test accuracy after the last epoch, in [0, 1] (default 0: no gate)
 * @param maxDrop     largest acceptable drop of test accuracy below the currently published run's,
 *                    in [0, 1], e.g. 0.01 = one point; null: not compared
 */
public record QualityConfig(double minAccuracy, Double maxDrop) {
    public QualityConfig {
        Checks.inRange("quality.minAccuracy", minAccuracy, 0, true, 1, true);
        if (maxDrop != null) {
            Checks.inRange("quality.maxDrop", maxDrop, 0, true, 1, true);
        }
    }
}
