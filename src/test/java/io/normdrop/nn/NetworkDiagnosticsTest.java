package io.normdrop.nn;

import io.normdrop.metrics.SampleRun;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
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
}
