package io.normdrop.nn;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataDependentInitTest {
    @Test
    void everyWeightNormLayerStartsWithStandardizedPreActivations() {
        MultiLayerNetwork net = DropoutSemanticsTest.network("model.layers[2].type=weightnorm-output",
                "model.layers[1].dropout={ keep = 0.5 }");
        INDArray sample = DataSet.merge(DropoutSemanticsTest.batches()).getFeatures();
        assertEquals(3, DataDependentInit.apply(net, sample));
        List<INDArray> activations = net.feedForward(sample, false);
        for (int i = 0; i < 3; i++) {
            INDArray x = activations.get(i);
            INDArray w = WeightNorm.weights(net.getLayer(i).getParam(WeightNormParamInitializer.DIRECTION_KEY),
                    net.getLayer(i).getParam(WeightNormParamInitializer.GAIN_KEY));
            INDArray z = x.mmul(w).addRowVector(net.getLayer(i).getParam(WeightNormParamInitializer.BIAS_KEY));
            double maxMean = z.mean(0).amaxNumber().doubleValue();
            INDArray std = z.std(false, 0);
            assertTrue(maxMean < 1e-4, "layer " + i + ": |mean| up to " + maxMean);
            assertTrue(std.sub(1).amaxNumber().doubleValue() < 1e-3, "layer " + i + ": std " + std);
        }
    }
}
