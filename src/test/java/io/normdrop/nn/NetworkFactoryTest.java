package io.normdrop.nn;

import io.normdrop.config.ConfigException;
import io.normdrop.config.ImageShape;
import io.normdrop.config.JobConfig;
import io.normdrop.config.JobFiles;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.schedule.ISchedule;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    static final String CONV = """
            model.layers = [
              { type = weightnorm-conv2d, channels = 4, kernel = [5, 5], stride = [2, 2] }
              { type = subsampling }
              { type = conv2d, channels = 6, mode = same, dropout { keep = 0.8 } }
              { type = weightnorm-dense, units = 16 }
              { type = output }
            ]
            """;

    static JobConfig conv(String... overrides) {
        return JobFiles.parse(JOB + CONV, List.of(overrides)).config();
    }

    @Test
    void convolutionLayersTakeTheirSizesFromTheImageShape() {
        JobConfig c = conv();
        MultiLayerConfiguration conf = NetworkFactory.configuration(c.model().withClasses(10), c.training(),
                new ImageShape(1, 28, 28));
        WeightNormConv2D first = (WeightNormConv2D) conf.getConf(0).getLayer();
        assertEquals(1, first.getNIn());
        assertEquals(4, first.getNOut());
        assertArrayEquals(new int[]{5, 5}, first.getKernelSize());
        assertArrayEquals(new int[]{2, 2}, first.getStride());
        SubsamplingLayer pool = (SubsamplingLayer) conf.getConf(1).getLayer();
        assertEquals(org.deeplearning4j.nn.conf.layers.PoolingType.MAX, pool.getPoolingType());
        ConvolutionLayer plain = (ConvolutionLayer) conf.getConf(2).getLayer();
        assertEquals(ConvolutionMode.Same, plain.getConvolutionMode());
        assertEquals(4, plain.getNIn());
        assertEquals(0.8, ((Dropout) plain.getIDropout()).getP(), 1e-12);
        // (28 - 5) / 2 + 1 = 12; pooled to 6; same padding keeps 6 x 6, of 6 channels
        assertEquals(6 * 6 * 6, ((WeightNormDense) conf.getConf(3).getLayer()).getNIn());

        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray rows = Nd4j.rand(DataType.FLOAT, 3, 784);
        assertArrayEquals(new long[]{3, 10}, net.output(rows).shape(), "rows in, class probabilities out");
    }

    @Test
    void aNetworkWithoutConvolutionsSeesImagesAsRows() {
        JobConfig c = JobFiles.parse(JOB, List.of()).config();
        assertEquals(NetworkFactory.configuration(c.model(), c.training(), 784).toJson(),
                NetworkFactory.configuration(c.model(), c.training(), new ImageShape(1, 28, 28)).toJson());
    }

    @Test
    void convolutionsNeedAShapeThatFitsTheirWindows() {
        JobConfig c = conv();
        ConfigException rows = assertThrows(ConfigException.class,
                () -> NetworkFactory.configuration(c.model().withClasses(10), c.training(), 784));
        assertEquals("data.shape: is required: model.layers[0] (weightnorm-conv2d) takes images; give [channels, "
                + "height, width] (idx files give theirs)", rows.getMessage());
        assertEquals("model.layers[0].kernel: invalid value [30, 30] (the window does not fit its input of [1, 28, 28] "
                + "with mode truncate)", refusal("model.layers[0].kernel=[30, 30]"));
        assertEquals("model.layers[2].kernel: invalid value [7, 7] (the window does not fit its input of [4, 6, 6] "
                + "with mode truncate)", refusal("model.layers[2].kernel=[7, 7]", "model.layers[2].mode=truncate"));
        assertTrue(refusal("model.layers[4].activation=relu", "model.layers[4].loss=xent").startsWith(
                "model.layers[4]: DL4J refuses this output layer: "), "blamed on the output layer, as without images");
        assertTrue(refusal("model.layers[0].mode=strict").startsWith(
                "model.layers: DL4J refuses the network for images of [1, 28, 28]: "), "(28 - 5) / 2 is not whole");
    }

    private static String refusal(String... overrides) {
        JobConfig c = conv(overrides);
        return assertThrows(ConfigException.class, () -> NetworkFactory.configuration(c.model().withClasses(10),
                c.training(), new ImageShape(1, 28, 28))).getMessage();
    }

    @Test
    void theLearningRateFollowsTheScheduleThroughDl4jsOwnEpochs() {
        JobConfig c = JobFiles.parse(JOB, List.of("training.updater.learningRate=0.01",
                "training.updater.schedule={ type = step, decay = 0.5, every = 2 }")).config();
        MultiLayerNetwork net = new MultiLayerNetwork(NetworkFactory.configuration(c.model(), c.training(), 784));
        net.init();
        org.nd4j.linalg.dataset.DataSet batch = new org.nd4j.linalg.dataset.DataSet(Nd4j.rand(DataType.FLOAT, 4, 784),
                Nd4j.eye(10).getRows(0, 1, 2, 3).castTo(DataType.FLOAT));
        for (int epoch = 0; epoch < 5; epoch++) {
            assertEquals(0.01 * Math.pow(0.5, epoch / 2), net.getLearningRate(0), 1e-12, "epoch " + epoch);
            net.fit(new org.deeplearning4j.datasets.iterator.ExistingDataSetIterator(List.of(batch)));
        }
    }

    @Test
    void schedulesAreDl4jsWithCosineAndWarmUp() {
        JobConfig cosine = JobFiles.parse(JOB, List.of("training.epochs=4", "training.updater.learningRate=0.01",
                "training.updater.schedule={ type = cosine, minLearningRate = 0.001, warmup = 10 }")).config();
        ISchedule s = NetworkFactory.schedule(cosine.training().updater(), 4);
        assertEquals(0.01 / 10, s.valueAt(0, 0), 1e-12, "warm-up starts at learningRate / warmup");
        assertEquals(0.01, s.valueAt(10, 0), 1e-12);
        assertEquals(0.0055, s.valueAt(100, 2), 1e-12, "half way");
        assertEquals(0.001, s.valueAt(100, 4), 1e-12);
        assertEquals(0.001, s.valueAt(100, 9), 1e-12, "a longer resumed run stays at the floor");
        assertEquals(0.01 * 0.9 * 0.9, NetworkFactory.schedule(JobFiles.parse(JOB, List.of("training.updater.learningRate=0.01",
                "training.updater.schedule={ type = exponential, decay = 0.9 }")).config().training().updater(), 4)
                .valueAt(0, 2), 1e-12);
        assertNull(NetworkFactory.schedule(JobFiles.parse(JOB, List.of()).config().training().updater(), 4));
        MultiLayerConfiguration conf = NetworkFactory.configuration(cosine.model(), cosine.training(), 784);
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back, "JSON round trip");
        assertEquals(0.0055, ((Adam) back.getConf(0).getLayer().getUpdaterByParam("W")).getLearningRateSchedule()
                .valueAt(100, 2), 1e-12);
    }

    /** Workers rebuild the network from its JSON: every schedule must come back from it (M2's RampSchedule does not). */
    @Test
    void everyScheduleSurvivesTheJsonTheWorkersGet() {
        for (String schedule : List.of("{ type = step }", "{ type = exponential }", "{ type = cosine }",
                "{ type = none, warmup = 5 }", "{ type = step, warmup = 5 }", "{ type = cosine, warmup = 5 }")) {
            JobConfig c = JobFiles.parse(JOB, List.of("training.updater.schedule=" + schedule)).config();
            MultiLayerConfiguration conf = NetworkFactory.configuration(c.model(), c.training(), 784);
            ISchedule expected = ((Adam) conf.getConf(0).getLayer().getUpdaterByParam("W")).getLearningRateSchedule();
            ISchedule actual = ((Adam) MultiLayerConfiguration.fromJson(conf.toJson()).getConf(0).getLayer()
                    .getUpdaterByParam("W")).getLearningRateSchedule();
            for (int epoch = 0; epoch < 12; epoch++) {
                assertEquals(expected.valueAt(3 * epoch, epoch), actual.valueAt(3 * epoch, epoch), 0.0, schedule);
            }
        }
    }
}
