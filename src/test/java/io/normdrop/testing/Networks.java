package io.normdrop.testing;

import io.normdrop.config.JobConfig;
import io.normdrop.config.JobFiles;
import io.normdrop.nn.NetworkFactory;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.List;

/** Small networks as tests build them: Normdrop's own factory over a job with only its layers given. */
public final class Networks {
    private Networks() {
    }

    /**
     * An initialized network of {@code layers} (the HOCON list of {@code model.layers}) over
     * {@code features} inputs; the job's other keys at their defaults, then {@code overrides}.
     */
    public static MultiLayerNetwork of(String layers, int features, String... overrides) {
        JobConfig c = JobFiles.parse("""
                data {
                  train { images = a, labels = b }
                  test { images = c, labels = d }
                }
                output.dir = out
                model.layers =\s""" + layers, List.of(overrides)).config();
        MultiLayerNetwork net = new MultiLayerNetwork(NetworkFactory.configuration(c.model(), c.training(), features));
        net.init();
        return net;
    }
}
