package io.normdrop.nn;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * VectorizedAdam against DL4J's own AdamUpdater: the same network trained side by side from the
 * same start ends with bit-identical parameters and Adam moments.
 */
class VectorizedAdamTest {
    /** A weight-norm conv net with a bias-free layer and a learning-rate schedule: several parameter kinds, one Adam block. */
    static MultiLayerNetwork network(DataType type) {
        WeightNormConv2D.Builder conv = new WeightNormConv2D.Builder(3, 3);
        conv.convolutionMode(ConvolutionMode.Same).nOut(4).activation(Activation.RELU);
        WeightNormDense.Builder dense = new WeightNormDense.Builder();
        dense.nOut(16).activation(Activation.TANH).hasBias(false);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(type)
                .updater(new Adam(new ExponentialSchedule(ScheduleType.ITERATION, 0.01, 0.97))).list()
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
        for (int i = 0; i < 40; i++) {
            dl4j.fit(x, y);
            ours.fit(x, y);
        }
        assertNotEquals(start, dl4j.params(), "trained");
        assertEquals(dl4j.params(), ours.params(), "parameters");
        assertEquals(dl4j.getUpdater().getStateViewArray(), ours.getUpdater().getStateViewArray(), "Adam's moments");
        assertTrue(dl4j.score() < 1.0, "learned: loss " + dl4j.score());
        VectorizedAdam adam = (VectorizedAdam) ((BaseMultiLayerUpdater<?>) ours.getUpdater()).getUpdaterBlocks().get(0).getGradientUpdater();
        // Float steps are computed on the heap; double ones go to ND4J's op.
        assertEquals(type == DataType.FLOAT ? 40 : 0, adam.vectorizedSteps());
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
