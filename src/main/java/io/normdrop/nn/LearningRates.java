package io.normdrop.nn;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * A network's learning rate when it is a constant (what the plateau schedule lowers between
 * epochs), read and set for every layer at once.
 */
public final class LearningRates {
    private LearningRates() {
    }

    /** The constant learning rate of the network's first layer with an updater; NaN when a schedule sets it. */
    public static double constant(MultiLayerNetwork net) {
        IUpdater u = first(net);
        if (u == null) {
            return Double.NaN;
        }
        boolean scheduled = u instanceof Adam a ? a.getLearningRateSchedule() != null
                : u instanceof Sgd s ? s.getLearningRateSchedule() != null
                : u instanceof Nesterovs n ? n.getLearningRateSchedule() != null
                : !(u instanceof RmsProp r) || r.getLearningRateSchedule() != null;
        return scheduled ? Double.NaN : u.getLearningRate(0, 0);
    }

    /**
     * The rate the network's first layer with an updater trains at now: its constant rate, or its
     * schedule's value at the network's iteration and epoch counts.
     */
    public static double current(MultiLayerNetwork net) {
        IUpdater u = first(net);
        return u == null ? Double.NaN : u.getLearningRate(net.getLayerWiseConfigurations().getIterationCount(),
                net.getLayerWiseConfigurations().getEpochCount());
    }

    /** The updater of the network's first layer that has a learning rate; null for none. */
    private static IUpdater first(MultiLayerNetwork net) {
        for (NeuralNetConfiguration c : net.getLayerWiseConfigurations().getConfs()) {
            if (c.getLayer() instanceof BaseLayer b && b.getIUpdater() != null && b.getIUpdater().hasLearningRate()) {
                return b.getIUpdater();
            }
        }
        return null;
    }

    /**
     * Sets every layer's learning rate to {@code rate} (DL4J rebuilds the updater, keeping its
     * state), then puts {@link VectorizedAdam} back where the network had it.
     */
    public static void set(MultiLayerNetwork net, double rate) {
        boolean vectorized = VectorizedAdam.installed(net);
        net.setLearningRate(rate);
        if (vectorized) {
            VectorizedAdam.install(net);
        }
    }
}
