package io.normdrop.nn;

import io.normdrop.config.ConfigException;
import io.normdrop.config.LayerSpec;
import io.normdrop.config.ModelConfig;
import io.normdrop.config.TrainingConfig;
import io.normdrop.config.UpdaterSpec;
import org.deeplearning4j.exception.DL4JInvalidConfigException;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.util.OutputLayerUtil;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.learning.config.Sgd;

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
     * @param model    the layers
     * @param training seed, updater and regularization
     * @param nIn      input features per example
     */
    /**
     * @throws ConfigException when DL4J refuses the output layer (e.g. an activation that does
     *                         not give the probabilities its loss or a classifier's evaluation needs)
     */
    public static MultiLayerConfiguration configuration(ModelConfig model, TrainingConfig training, int nIn) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(training.seed())
                .dataType(DataType.FLOAT)
                .updater(updater(training.updater()))
                .l2(training.l2())
                .list();
        int in = nIn;
        for (LayerSpec spec : model.layers()) {
            list.layer(spec.index(), layer(spec, in));
            in = spec.units();
        }
        String output = model.layers().get(model.layers().size() - 1).key();
        try {
            MultiLayerConfiguration conf = list.build();
            OutputLayerUtil.validateOutputLayerForClassifierEvaluation(conf.getConf(conf.getConfs().size() - 1).getLayer(),
                    Evaluation.class);
            return conf;
        } catch (DL4JInvalidConfigException | IllegalStateException e) {
            // DL4J's advice to switch its check off does not apply here: the job cannot.
            String reason = e.getMessage().lines().findFirst().orElse("").replaceAll("\\. This check can be disabled.*", ".").strip();
            throw new ConfigException(output, "DL4J refuses this output layer: " + reason);
        }
    }

    static BaseLayer layer(LayerSpec spec, int nIn) {
        FeedForwardLayer.Builder<?> builder = switch (spec.kind()) {
            case DENSE -> new DenseLayer.Builder();
            case OUTPUT -> new OutputLayer.Builder(spec.loss());
            case WEIGHTNORM_DENSE -> new WeightNormDense.Builder();
            case WEIGHTNORM_OUTPUT -> new WeightNormOutput.Builder(spec.loss());
        };
        builder.nIn(nIn).nOut(spec.units());
        builder.activation(spec.activation()).weightInit(spec.weightInit());
        if (spec.dropout().active()) {
            builder.dropOut(spec.dropout().keep());
        }
        return builder.build();
    }

    public static IUpdater updater(UpdaterSpec spec) {
        return switch (spec.kind()) {
            case SGD -> new Sgd(spec.learningRate());
            case ADAM -> new Adam(spec.learningRate());
            case NESTEROVS -> new Nesterovs(spec.learningRate(), spec.momentum());
            case RMSPROP -> new RmsProp(spec.learningRate());
        };
    }
}
