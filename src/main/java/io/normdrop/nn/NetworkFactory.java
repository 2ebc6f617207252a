package io.normdrop.nn;

import io.normdrop.config.ConfigException;
import io.normdrop.config.ImageShape;
import io.normdrop.config.LayerKind;
import io.normdrop.config.LayerSpec;
import io.normdrop.config.ModelConfig;
import io.normdrop.config.TrainingConfig;
import io.normdrop.config.UpdaterSpec;
import org.deeplearning4j.exception.DL4JInvalidConfigException;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.util.OutputLayerUtil;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

import java.util.List;
import java.util.Locale;

/**
 * Builds the DL4J configuration of a job's network.
 *
 * <p>Dropout is set per layer, never globally: a layer whose retain probability is 1 gets no
 * dropout at all (DL4J's {@code dropOut(1.0)} would still draw and multiply a mask), and no
 * layer is left with DL4J's {@code dropOut(0.0)}, which means "inherit the global value".
 */
public final class NetworkFactory {
    private NetworkFactory() {
    }

    /**
     * The network of {@code model} on feature rows.
     *
     * @param model    the layers; none of them spatial (conv2d, weightnorm-conv2d, subsampling)
     * @param training seed, updater and regularization
     * @param nIn      input features per example
     * @throws ConfigException when the model needs images, or DL4J refuses the output layer (e.g.
     *                         an activation that does not give the probabilities its loss or a
     *                         classifier's evaluation needs)
     */
    public static MultiLayerConfiguration configuration(ModelConfig model, TrainingConfig training, int nIn) {
        if (model.takesImages()) {
            LayerSpec first = model.layers().get(0);
            throw new ConfigException("data.shape", "is required: " + first.key() + " (" + first.kind().jobName()
                    + ") takes images; give [channels, height, width] (idx files give theirs)");
        }
        return build(model, training, nIn, null);
    }

    /**
     * The network of {@code model} on images of {@code shape}, given to it as feature rows (DL4J's
     * {@code InputType.convolutionalFlat}): a network without spatial layers sees the rows as
     * they are, one with spatial layers sizes every layer from the shape.
     */
    public static MultiLayerConfiguration configuration(ModelConfig model, TrainingConfig training, ImageShape shape) {
        if (!model.takesImages()) {
            return build(model, training, Math.toIntExact(shape.features()), null);
        }
        return build(model, training, 0, shape);
    }

    private static MultiLayerConfiguration build(ModelConfig model, TrainingConfig training, int nIn, ImageShape shape) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(training.seed())
                .dataType(DataType.FLOAT)
                .updater(updater(training))
                .l2(training.l2())
                .list();
        int in = nIn;
        for (LayerSpec spec : model.layers()) {
            list.layer(spec.index(), layer(spec, in));
            in = spec.units();
        }
        if (shape != null) {
            // DL4J sizes every layer's input from here, and reshapes rows to images and back.
            list.setInputType(InputType.convolutionalFlat(shape.height(), shape.width(), shape.channels()));
        }
        String output = model.layers().get(model.layers().size() - 1).key();
        MultiLayerConfiguration conf;
        try {
            conf = list.build();
        } catch (DL4JInvalidConfigException | DL4JInvalidInputException | IllegalStateException e) {
            // DL4J checks the output layer while it builds, as it checks the windows.
            if (shape == null || firstLine(e).startsWith("Invalid output layer configuration")) {
                throw new ConfigException(output, "DL4J refuses this output layer: " + firstLine(e));
            }
            throw new ConfigException("model.layers", "DL4J refuses the network for images of " + shape + ": "
                    + firstLine(e));
        }
        if (shape != null) {
            checkWindowsFit(model, conf, shape);
        }
        try {
            OutputLayerUtil.validateOutputLayerForClassifierEvaluation(conf.getConf(conf.getConfs().size() - 1).getLayer(),
                    Evaluation.class);
            return conf;
        } catch (DL4JInvalidConfigException | IllegalStateException e) {
            throw new ConfigException(output, "DL4J refuses this output layer: " + firstLine(e));
        }
    }

    /**
     * Follows the image through the spatial layers: DL4J accepts a window larger than its input
     * (it warns and sizes the output 0), which would only fail in training.
     */
    private static void checkWindowsFit(ModelConfig model, MultiLayerConfiguration conf, ImageShape shape) {
        InputType in = InputType.convolutional(shape.height(), shape.width(), shape.channels());
        for (LayerSpec spec : model.layers()) {
            if (!spec.kind().isSpatial()) {
                return;
            }
            InputType.InputTypeConvolutional image = (InputType.InputTypeConvolutional) in;
            InputType out = conf.getConf(spec.index()).getLayer().getOutputType(spec.index(), in);
            InputType.InputTypeConvolutional o = (InputType.InputTypeConvolutional) out;
            if (o.getHeight() < 1 || o.getWidth() < 1) {
                throw ConfigException.invalid(spec.key() + ".kernel", spec.window().kernel(), String.format(Locale.ROOT,
                        "the window does not fit its input of [%d, %d, %d] with mode %s", image.getChannels(),
                        image.getHeight(), image.getWidth(), spec.window().mode().jobName()));
            }
            in = out;
        }
    }

    /** The first line of DL4J's message, without its advice to switch the check off, which a job cannot. */
    private static String firstLine(Exception e) {
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("")
                .replaceAll("\\. This check can be disabled.*", ".").strip();
    }

    /**
     * One layer; {@code nIn} 0 leaves its input size to DL4J's input type.
     */
    static Layer layer(LayerSpec spec, int nIn) {
        if (spec.kind() == LayerKind.SUBSAMPLING) {
            LayerSpec.Window w = spec.window();
            SubsamplingLayer.Builder pool = new SubsamplingLayer.Builder(w.pooling() == LayerSpec.Window.Pooling.MAX
                    ? SubsamplingLayer.PoolingType.MAX : SubsamplingLayer.PoolingType.AVG)
                    .kernelSize(ints(w.kernel())).stride(ints(w.stride())).convolutionMode(mode(w.mode()));
            if (spec.dropout().active()) {
                pool.dropOut(spec.dropout().keep());
            }
            return pool.build();
        }
        FeedForwardLayer.Builder<?> builder = switch (spec.kind()) {
            case DENSE -> new DenseLayer.Builder();
            case OUTPUT -> new OutputLayer.Builder(spec.loss());
            case WEIGHTNORM_DENSE -> new WeightNormDense.Builder();
            case WEIGHTNORM_OUTPUT -> new WeightNormOutput.Builder(spec.loss());
            case CONV2D -> window(new ConvolutionLayer.Builder(), spec.window());
            case WEIGHTNORM_CONV2D -> window(new WeightNormConv2D.Builder(), spec.window());
            case SUBSAMPLING -> throw new AssertionError("built above");
        };
        if (nIn > 0) {
            builder.nIn(nIn);
        }
        builder.nOut(spec.units());
        builder.activation(spec.activation()).weightInit(spec.weightInit());
        if (spec.dropout().active()) {
            builder.dropOut(spec.dropout().keep());
        }
        return builder.build();
    }

    private static ConvolutionLayer.Builder window(ConvolutionLayer.Builder conv, LayerSpec.Window w) {
        return conv.kernelSize(ints(w.kernel())).stride(ints(w.stride())).convolutionMode(mode(w.mode()));
    }

    private static ConvolutionMode mode(LayerSpec.Window.Mode mode) {
        return switch (mode) {
            case TRUNCATE -> ConvolutionMode.Truncate;
            case SAME -> ConvolutionMode.Same;
            case STRICT -> ConvolutionMode.Strict;
        };
    }

    private static int[] ints(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The job's updater, its learning rate on the job's schedule (epochs counted from 0). */
    public static IUpdater updater(TrainingConfig training) {
        UpdaterSpec spec = training.updater();
        ISchedule rate = schedule(spec, training.epochs());
        if (rate == null) {
            return switch (spec.kind()) {
                case SGD -> new Sgd(spec.learningRate());
                case ADAM -> new Adam(spec.learningRate());
                case NESTEROVS -> new Nesterovs(spec.learningRate(), spec.momentum());
                case RMSPROP -> new RmsProp(spec.learningRate());
            };
        }
        return switch (spec.kind()) {
            case SGD -> new Sgd(rate);
            case ADAM -> new Adam(rate);
            case NESTEROVS -> new Nesterovs(rate, spec.momentum());
            case RMSPROP -> new RmsProp(rate);
        };
    }

    /** The learning rate's schedule; null for a constant rate. */
    static ISchedule schedule(UpdaterSpec spec, int epochs) {
        UpdaterSpec.Schedule s = spec.schedule();
        double lr = spec.learningRate();
        ISchedule base = switch (s.type()) {
            // plateau: a constant rate the driver lowers between epochs (SparkTrainer).
            case NONE, PLATEAU -> s.warmup() == 0 ? null : new FixedSchedule(lr);
            case STEP -> new StepSchedule(ScheduleType.EPOCH, lr, s.decay(), s.every());
            case EXPONENTIAL -> new ExponentialSchedule(ScheduleType.EPOCH, lr, s.decay());
            case COSINE -> new CosineSchedule(lr, s.floor(), epochs);
        };
        return base == null || s.warmup() == 0 ? base : new WarmUpSchedule(base, s.warmup());
    }
}
