package io.normdrop.nn;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.InverseSchedule;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.nd4j.linalg.schedule.ScheduleType;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * VectorizedAdam against DL4J's own AdamUpdater: the same network trained side by side from the
 * same start for 300 steps on a decaying schedule ends with bit-identical parameters and Adam moments.
 */
class VectorizedAdamTest {
    /** A weight-norm conv net with a bias-free layer and a learning-rate schedule: several parameter kinds, one Adam block. */
    static MultiLayerNetwork network(DataType type) {
        WeightNormConv2D.Builder conv = new WeightNormConv2D.Builder(3, 3);
        conv.convolutionMode(ConvolutionMode.Same).nOut(4).activation(Activation.RELU);
        WeightNormDense.Builder dense = new WeightNormDense.Builder();
        dense.nOut(16).activation(Activation.TANH).hasBias(false);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(type)
                .updater(new Adam(new InverseSchedule(ScheduleType.ITERATION, 0.01, 0.03, 1.3))).list()
                .layer(conv.build())
                .layer(new SubsamplingLayer.Builder().kernelSize(2, 2).stride(2, 2).build())
                .layer(dense.build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 2))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void trainsBitIdenticallyToDl4jsAdam(DataType type) {
        MultiLayerNetwork dl4j = network(type);
        MultiLayerNetwork ours = network(type);
        assertEquals(dl4j.params(), ours.params());
        assertEquals(1, VectorizedAdam.install(ours));
        assertEquals(VectorizedAdam.class, ((BaseMultiLayerUpdater<?>) ours.getUpdater()).getUpdaterBlocks().get(0)
                .getGradientUpdater().getClass());
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.rand(type, 16, 2, 8, 8).subi(0.5);
        INDArray y = Nd4j.zeros(type, 16, 3);
        for (int i = 0; i < 16; i++) {
            y.putScalar(i, i % 3, 1);
        }
        INDArray start = dl4j.params().dup();
        for (int i = 0; i < 300; i++) {
            dl4j.fit(x, y);
            ours.fit(x, y);
        }
        assertNotEquals(start, dl4j.params(), "trained");
        assertEquals(dl4j.params(), ours.params(), "parameters");
        assertEquals(dl4j.getUpdater().getStateViewArray(), ours.getUpdater().getStateViewArray(), "Adam's moments");
        assertTrue(dl4j.score() < 1.0, "learned: loss " + dl4j.score());
        VectorizedAdam adam = (VectorizedAdam) ((BaseMultiLayerUpdater<?>) ours.getUpdater()).getUpdaterBlocks().get(0).getGradientUpdater();
        // Float steps are computed on the heap; double ones go to ND4J's op.
        assertEquals(type == DataType.FLOAT ? 300 : 0, adam.vectorizedSteps());
    }

    /** ND4J's adam_updater op and the JVM's step on the same arrays, 430 (rate, iteration) pairs: the same bits. */
    @Test
    void everyStepMatchesNd4jsOpBitForBit() {
        java.util.Random random = new java.util.Random(5);
        int n = 257;
        for (int iteration = 0; iteration < 3000; iteration += 7) {
            double rate = Math.exp(-12 + 8 * random.nextDouble());
            float[] g = new float[n];
            float[] m = new float[n];
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                g[i] = (float) random.nextGaussian() * 0.01f;
                m[i] = (float) random.nextGaussian() * 0.001f;
                v[i] = (float) (random.nextDouble() * 1e-5);
            }
            INDArray gNd4j = Nd4j.createFromArray(g);
            INDArray mNd4j = Nd4j.createFromArray(m);
            INDArray vNd4j = Nd4j.createFromArray(v);
            Nd4j.exec(new org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater(gNd4j, vNd4j, mNd4j, rate, 0.9, 0.999, 1e-8, iteration));
            VectorizedAdam.step(g, m, v, n, new Adam(rate), iteration, 0);
            assertArrayEquals(gNd4j.toFloatVector(), g, 0f, "update at iteration " + iteration + ", rate " + rate);
            assertArrayEquals(mNd4j.toFloatVector(), m, 0f);
            assertArrayEquals(vNd4j.toFloatVector(), v, 0f);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT"})
    void leavesOtherUpdatersAlone(DataType type) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(type).updater(new Sgd(0.1)).list()
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(4).nOut(3).activation(Activation.SOFTMAX).build()).build());
        net.init();
        assertEquals(0, VectorizedAdam.install(net));
    }
}
