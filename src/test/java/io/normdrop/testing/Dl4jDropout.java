package io.normdrop.testing;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;

/**
 * DL4J's own dropout put on layers of a built configuration, past Normdrop's network factory
 * (which builds no dropout at all for keep = 1): the real operation, for tests that compare it
 * with what it is claimed to equal.
 */
public final class Dl4jDropout {
    private Dl4jDropout() {
    }

    /** A copy of {@code conf} whose given layers carry DL4J's {@code Dropout} with retain probability {@code keep}. */
    public static MultiLayerConfiguration on(MultiLayerConfiguration conf, double keep, int... layers) {
        MultiLayerConfiguration copy = conf.clone();
        for (int layer : layers) {
            copy.getConf(layer).getLayer().setIDropout(new Dropout(keep));
        }
        return copy;
    }

    /** The retain probability of DL4J's dropout on {@code layer}, or NaN when it has none. */
    public static double keep(MultiLayerConfiguration conf, int layer) {
        return conf.getConf(layer).getLayer().getIDropout() instanceof Dropout d ? d.getP() : Double.NaN;
    }
}
