package io.normdrop.nn;

import io.normdrop.config.ImageShape;
import io.normdrop.config.JobConfig;
import io.normdrop.config.JobFiles;
import io.normdrop.metrics.SampleRun;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class NetworkDiagnosticsTest {
    @Test
    void distributionSummarizesAndBinsEveryValue() {
        double[] values = IntStream.rangeClosed(1, 100).asDoubleStream().toArray();
        NetworkDiagnostics.Distribution d = NetworkDiagnostics.Distribution.of(values, 20);
        assertEquals(100, d.count());
        assertEquals(1, d.min());
        assertEquals(100, d.max());
        assertEquals(50.5, d.mean(), 1e-12);
        assertEquals(Math.sqrt((100.0 * 100 - 1) / 12), d.std(), 1e-9);
        assertEquals(50.5, d.median(), 1e-12);
        assertEquals(1 + 0.05 * 99, d.p05(), 1e-12);
        assertEquals(21, d.edges().length);
        long[] five = new long[20];
        Arrays.fill(five, 5);
        assertArrayEquals(five, d.counts());

        NetworkDiagnostics.Distribution constant = NetworkDiagnostics.Distribution.of(new double[]{2, 2, 2}, 4);
        assertArrayEquals(new long[]{3, 0, 0, 0}, constant.counts());
        assertEquals(0, constant.std());
    }

    @Test
    void weightNormLayersShowTheirGainsAndDirectionNorms() {
        MultiLayerNetwork net = SampleRun.network(1);
        net.getLayer(0).getParam(WeightNormParamInitializer.GAIN_KEY).muli(3);
        NetworkDiagnostics d = NetworkDiagnostics.of(net);

        INDArray g = net.getLayer(0).getParam(WeightNormParamInitializer.GAIN_KEY);
        INDArray norms = net.getLayer(0).getParam(WeightNormParamInitializer.DIRECTION_KEY).norm2(0);
        NetworkDiagnostics.Layer first = d.layers().get(0);
        assertEquals("WeightNormDense", first.type());
        assertEquals(24, first.gain().count());
        assertEquals(g.meanNumber().doubleValue(), first.gain().mean(), 1e-6);
        assertEquals(g.maxNumber().doubleValue(), first.gain().max(), 1e-6);
        // A fresh layer has g = ‖v‖; tripling g leaves the directions alone.
        assertEquals(norms.meanNumber().doubleValue(), first.directionNorm().mean(), 1e-6);
        assertEquals(3 * first.directionNorm().mean(), first.gain().mean(), 1e-5);

        assertEquals(1.0, first.keep());
        assertEquals(0.7, d.layers().get(1).keep(), 1e-12);
        assertNull(d.layers().get(2).gain(), "plain output layer");
        assertEquals(net.numParams(), d.parameters());
        assertEquals(net.numParams(), d.layers().stream().mapToLong(NetworkDiagnostics.Layer::parameters).sum());
    }

    @Test
    void parameterDigestIsEqualExactlyForEqualParameters() {
        MultiLayerNetwork net = SampleRun.network(1);
        String digest = NetworkDiagnostics.of(net).parameterDigest();
        assertEquals(digest, NetworkDiagnostics.of(net.clone()).parameterDigest());
        assertEquals(digest, NetworkDiagnostics.of(SampleRun.network(1)).parameterDigest(), "same seed, same parameters");
        assertNotEquals(digest, NetworkDiagnostics.of(SampleRun.network(2)).parameterDigest());

        MultiLayerNetwork nudged = net.clone();
        float x = nudged.params().getFloat(7);
        nudged.params().putScalar(7, Math.nextUp(x));
        assertNotEquals(digest, NetworkDiagnostics.of(nudged).parameterDigest(), "one ulp in one parameter");
    }

    @Test
    void weightNormConvolutionsShowOneGainAndNormPerOutputChannel() {
        JobConfig c = JobFiles.parse(NetworkFactoryTest.JOB + NetworkFactoryTest.CONV,
                List.of()).config();
        MultiLayerNetwork net = new MultiLayerNetwork(NetworkFactory.configuration(c.model().withClasses(10), c.training(),
                new ImageShape(1, 28, 28)));
        net.init();
        INDArray v = net.getLayer(0).getParam(WeightNormParams.DIRECTION_KEY); // [4, 1, 5, 5]
        v.get(NDArrayIndex.point(2)).muli(10);
        NetworkDiagnostics.Layer conv = NetworkDiagnostics.of(net).layers().get(0);
        assertEquals("WeightNormConv2D", conv.type());
        assertEquals(4, conv.gain().count(), "one gain per output channel");
        assertEquals(4, conv.directionNorm().count());
        double[] norms = IntStream.range(0, 4).mapToDouble(ch -> v.get(NDArrayIndex.point(ch))
                .norm2Number().doubleValue()).toArray();
        assertEquals(Arrays.stream(norms).max().orElseThrow(), conv.directionNorm().max(), 1e-5,
                "the norm over the channel's whole kernel");
        assertEquals(Arrays.stream(norms).average().orElseThrow(), conv.directionNorm().mean(), 1e-5);
        assertNull(NetworkDiagnostics.of(net).layers().get(2).gain(), "plain conv2d");
    }
}
