package io.normdrop.nn;

import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.File;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WeightNormFoldingTest {
    @Test
    void foldedNetworkPredictsTheSameWithPlainLayers(@TempDir Path dir) throws Exception {
        MultiLayerNetwork trained = DropoutSemanticsTest.network("model.layers[2].type=weightnorm-output",
                "model.layers[1].dropout={ keep = 0.7 }");
        DropoutSemanticsTest.train(trained);
        MultiLayerNetwork folded = WeightNormFolding.fold(trained);

        assertInstanceOf(DenseLayer.class, folded.getLayerWiseConfigurations().getConf(0).getLayer());
        assertInstanceOf(OutputLayer.class, folded.getLayerWiseConfigurations().getConf(2).getLayer());
        assertFalse(WeightNormFolding.hasWeightNorm(folded.getLayerWiseConfigurations()));
        assertTrue(WeightNormFolding.hasWeightNorm(trained.getLayerWiseConfigurations()));

        File file = dir.resolve("folded.zip").toFile();
        ModelSerializer.writeModel(folded, file, false);
        MultiLayerNetwork reloaded = ModelSerializer.restoreMultiLayerNetwork(file);
        for (DataSet batch : DropoutSemanticsTest.batches()) {
            INDArray expected = trained.output(batch.getFeatures());
            double diff = expected.sub(reloaded.output(batch.getFeatures())).amaxNumber().doubleValue();
            assertTrue(diff < 1e-5, "max prediction difference " + diff);
        }
        assertEquals(trained.numParams() - (24 + 16 + 4), folded.numParams(), "one gain per unit folded away");
    }
}
