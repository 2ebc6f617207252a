package io.normdrop.config;

import java.util.Locale;

/**
 * The gradient updater every layer uses.
 *
 * @param kind         sgd, adam (default), nesterovs or rmsprop
 * @param learningRate step size, > 0 (default 0.001)
 * @param momentum     momentum of nesterovs, in [0, 1) (default 0.9); ignored by the others
 */
public record UpdaterSpec(Kind kind, double learningRate, double momentum) {
    public enum Kind {
        SGD, ADAM, NESTEROVS, RMSPROP;

        public String jobName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public UpdaterSpec {
        if (kind == null) {
            throw new ConfigException("training.updater.type", "is required");
        }
        Checks.positive("training.updater.learningRate", learningRate);
        Checks.inRange("training.updater.momentum", momentum, 0, true, 1, false);
    }
}
