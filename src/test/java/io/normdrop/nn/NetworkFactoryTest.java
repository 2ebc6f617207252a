package io.normdrop.nn;

import io.normdrop.config.JobConfig;
import io.normdrop.config.JobFiles;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetworkFactoryTest {
    static final String JOB = """
            data {
              train { images = a, labels = b }
              test { images = c, labels = d }
            }
            model.layers = [
              { type = dense, units = 32 }
              { type = dense, units = 16, dropout { keep = 1.0 } }
              { type = output, units = 10, dropout { rate = 0.2 } }
            ]
            output.dir = out
            """;

    static MultiLayerConfiguration build(String... overrides) {
        JobConfig c = JobFiles.parse(JOB, List.of(overrides)).config();
        return NetworkFactory.configuration(c.model(), c.training(), 784);
    }

    @Test
    void buildsTheLayersWithShapesAndUpdater() {
        MultiLayerConfiguration conf = build();
        assertEquals(3, conf.getConfs().size());
        DenseLayer first = (DenseLayer) conf.getConf(0).getLayer();
        assertEquals(784, first.getNIn());
        assertEquals(32, first.getNOut());
        assertInstanceOf(OutputLayer.class, conf.getConf(2).getLayer());
        assertInstanceOf(Adam.class, first.getIUpdater());
        assertEquals(42L, conf.getConf(0).getSeed());
        Nesterovs nesterovs = (Nesterovs) ((DenseLayer) build("training.updater.type=nesterovs",
                "training.updater.momentum=0.5").getConf(0).getLayer()).getIUpdater();
        assertEquals(0.5, nesterovs.getMomentum(), 0.0);
    }

    @Test
    void buildsWeightNormLayersWithTheirDropout() {
        MultiLayerConfiguration conf = build("model.layers[0].type=weightnorm-dense", "model.layers[2].type=weightnorm-output");
        assertInstanceOf(WeightNormDense.class, conf.getConf(0).getLayer());
        assertInstanceOf(WeightNormOutput.class, conf.getConf(2).getLayer());
        assertEquals(0.8, ((Dropout) conf.getConf(2).getLayer().getIDropout()).getP(), 1e-12);
        NetworkSummary summary = NetworkSummary.of(conf);
        assertEquals(784 * 32 + 32 + 32, summary.layers().get(0).parameters(), "V, g and b");
        assertEquals("WeightNormDense", summary.layers().get(0).type());
    }

    @Test
    void keepOneBuildsNoDropoutAndOthersRetainWhatTheJobSays() {
        MultiLayerConfiguration conf = build();
        assertNull(conf.getConf(0).getLayer().getIDropout(), "no dropout given");
        assertNull(conf.getConf(1).getLayer().getIDropout(), "keep = 1 must build no dropout at all");
        Dropout d = (Dropout) conf.getConf(2).getLayer().getIDropout();
        assertEquals(0.8, d.getP(), 1e-12);
    }

    @Test
    void summaryShowsParametersAndEffectiveKeep() {
        MultiLayerConfiguration conf = build();
        NetworkSummary summary = NetworkSummary.of(conf);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        assertEquals(net.numParams(), summary.parameters());
        assertEquals(784 * 32 + 32, summary.layers().get(0).parameters());
        assertEquals(1.0, summary.layers().get(1).keep(), 0.0);
        assertEquals(0.8, summary.layers().get(2).keep(), 1e-12);
        String table = summary.render();
        assertTrue(table.contains("1 (no dropout)"), table);
        assertTrue(table.contains("total parameters: " + String.format("%,d", net.numParams())), table);
    }
}
