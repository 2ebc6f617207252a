package io.normdrop.config;

import com.typesafe.config.Config;

/**
 * The gradient updater every layer uses: the values of the keys under {@code training.updater}.
 */
public record UpdaterSpec(Kind kind, double learningRate, double momentum) {
    public enum Kind implements JobFileName {
        SGD, ADAM, NESTEROVS, RMSPROP
    }

    static final Key<Kind> TYPE = Key.oneOf("training.updater.type", Kind.class, Kind.ADAM,
            "sgd | adam | nesterovs | rmsprop.");
    static final Key<Double> LEARNING_RATE = Key.number("training.updater.learningRate", 0.001, "Step size.",
            Rules.positive());
    static final Key<Double> MOMENTUM = Key.number("training.updater.momentum", 0.9,
            "Momentum of nesterovs; the other updaters ignore it.", Rules.inRange(0, true, 1, false));

    public UpdaterSpec {
        TYPE.check(kind);
        LEARNING_RATE.check(learningRate);
        MOMENTUM.check(momentum);
    }

    static UpdaterSpec from(Config c) {
        return new UpdaterSpec(TYPE.read(c), LEARNING_RATE.read(c), MOMENTUM.read(c));
    }

    /** E.g. {@code adam 0.001}. */
    public String describe() {
        return kind.jobName() + " " + learningRate;
    }
}
