package io.normdrop.config;

import com.typesafe.config.Config;

import java.util.Locale;

/**
 * The gradient updater every layer uses: the values of the keys under {@code training.updater}.
 */
public record UpdaterSpec(Kind kind, double learningRate, double momentum, Schedule schedule) {
    public enum Kind implements JobFileName {
        SGD, ADAM, NESTEROVS, RMSPROP
    }

    static final Key<Kind> TYPE = Key.oneOf("training.updater.type", Kind.class, Kind.ADAM,
            "sgd | adam | nesterovs | rmsprop.");
    static final Key<Double> LEARNING_RATE = Key.number("training.updater.learningRate", 0.001,
            "Step size (with a schedule: its value at the start).", Rules.positive());
    static final Key<Double> MOMENTUM = Key.number("training.updater.momentum", 0.9,
            "Momentum of nesterovs; the other updaters ignore it.", Rules.inRange(0, true, 1, false));

    /**
     * How the learning rate changes as training goes on (DL4J's {@code ISchedule}s, counted in
     * epochs from 0): the values of the keys under {@code training.updater.schedule}.
     *
     * @param decay  step: the factor every {@code every} epochs; exponential: the factor per epoch
     * @param every  step: epochs between decays
     * @param floor  cosine: the learning rate it anneals to at the end of training
     * @param warmup minibatch iterations (each worker's) of linear warm-up to the scheduled rate; 0: none
     * @param patience plateau: epochs without improvement of the validation metric before the rate drops
     */
    public record Schedule(Type type, double decay, int every, double floor, int warmup, int patience) {
        public enum Type implements JobFileName {
            NONE, STEP, EXPONENTIAL, COSINE, PLATEAU
        }

        static final Key<Type> TYPE = Key.oneOf("training.updater.schedule.type", Type.class, Type.NONE, """
                none: a constant learning rate | step: learningRate × decay^floor(epoch / every) | exponential: \
                learningRate × decay^epoch | cosine: from learningRate at the first epoch to minLearningRate at \
                the end of training.epochs along half a cosine (Loshchilov & Hutter's SGDR without restarts) | \
                plateau: learningRate × decay each time the validation metric (training.earlyStopping.metric, else \
                validation loss) has not improved for patience epochs, down to minLearningRate (Keras's \
                ReduceLROnPlateau; the driver decides after each epoch, every worker trains the next epoch at that \
                rate; needs a validation set). Epochs count from 0; a resumed run continues the schedule where it \
                stopped.""");
        static final Key<Double> DECAY = Key.number("training.updater.schedule.decay", 0.5,
                "step: the factor every `every` epochs; exponential: the factor per epoch; plateau: the factor at "
                        + "each plateau (0 < decay <= 1).",
                Rules.inRange(0, false, 1, true));
        static final Key<Integer> EVERY = Key.integer("training.updater.schedule.every", 5,
                "step: epochs between decays.", Rules.atLeast(1));
        static final Key<Double> FLOOR = Key.number("training.updater.schedule.minLearningRate", 0.0,
                "cosine: the learning rate at the end of training (below learningRate); plateau: the lowest rate.",
                Rules.nonNegative());
        static final Key<Integer> PATIENCE = Key.integer("training.updater.schedule.patience", 2,
                "plateau: epochs without improvement of the validation metric before the rate drops.",
                Rules.atLeast(1));
        static final Key<Integer> WARMUP = Key.integer("training.updater.schedule.warmup", 0, """
                Minibatch iterations of each worker over which the rate ramps up linearly from learningRate / warmup \
                to the schedule's; 0: no warm-up. With any type, none included.""",
                Rules.atLeast(0));

        /** A constant learning rate. */
        public static final Schedule NONE = new Schedule(Type.NONE, DECAY.defaultValue(), EVERY.defaultValue(),
                FLOOR.defaultValue(), 0, PATIENCE.defaultValue());

        public Schedule {
            TYPE.check(type);
            DECAY.check(decay);
            EVERY.check(every);
            FLOOR.check(floor);
            WARMUP.check(warmup);
            PATIENCE.check(patience);
            if (type == Type.PLATEAU && warmup > 0) {
                throw ConfigException.invalid(WARMUP.path(), warmup, "a warm-up needs a schedule other than plateau "
                        + "(the plateau schedule sets the rate itself after every epoch)");
            }
        }

        static Schedule from(Config c) {
            return new Schedule(TYPE.read(c), DECAY.read(c), EVERY.read(c), FLOOR.read(c), WARMUP.read(c),
                    PATIENCE.read(c));
        }

        /** Whether the learning rate is constant. */
        public boolean constant() {
            return type == Type.NONE && warmup == 0;
        }

        /** E.g. {@code cosine to 1.0E-5}, {@code step x0.5 every 5 epochs, warm-up 500 iterations}. */
        public String describe() {
            String base = switch (type) {
                case NONE -> "constant";
                case STEP -> String.format(Locale.ROOT, "step x%s every %d epochs", decay, every);
                case EXPONENTIAL -> String.format(Locale.ROOT, "exponential x%s per epoch", decay);
                case COSINE -> "cosine to " + floor;
                case PLATEAU -> String.format(Locale.ROOT, "plateau x%s after %d epochs without improvement, to %s",
                        decay, patience, floor);
            };
            return warmup == 0 ? base : base + ", warm-up " + warmup + " iterations";
        }
    }

    public UpdaterSpec {
        TYPE.check(kind);
        LEARNING_RATE.check(learningRate);
        MOMENTUM.check(momentum);
        if (schedule == null) {
            throw new ConfigException("training.updater.schedule", "is required (Schedule.NONE for a constant rate)");
        }
        if (schedule.type() == Schedule.Type.COSINE && schedule.floor() >= learningRate) {
            throw ConfigException.invalid(Schedule.FLOOR.path(), schedule.floor(),
                    "must be below training.updater.learningRate (" + learningRate + ")");
        }
    }

    /** An updater with a constant learning rate. */
    public UpdaterSpec(Kind kind, double learningRate, double momentum) {
        this(kind, learningRate, momentum, Schedule.NONE);
    }

    static UpdaterSpec from(Config c) {
        return new UpdaterSpec(TYPE.read(c), LEARNING_RATE.read(c), MOMENTUM.read(c), Schedule.from(c));
    }

    /** E.g. {@code adam 0.001}, {@code adam 0.001 (cosine to 0.0)}. */
    public String describe() {
        return kind.jobName() + " " + learningRate + (schedule.constant() ? "" : " (" + schedule.describe() + ")");
    }
}
