package io.normdrop.train;

import io.normdrop.config.JobConfig;
import io.normdrop.config.JobFiles;
import io.normdrop.nn.LearningRates;
import io.normdrop.nn.NetworkFactory;
import io.normdrop.nn.VectorizedAdam;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rate the driver's plateau schedule sets reaches the workers: a worker's network taken
 * from a snapshot of the driver's trains at the driver's rate, keeps its updater state and its
 * vectorized Adam, and takes the same step as a network built at that rate.
 */
class PlateauRateTest {
    static MultiLayerNetwork network(double rate) {
        JobConfig c = JobFiles.parse("""
                data { train { images = a, labels = b }, test { images = c, labels = d }, validation.fraction = 0.1 }
                model.layers = [ { type = weightnorm-dense, units = 8 }, { type = output, units = 3 } ]
                training.updater { learningRate = %s, schedule.type = plateau }
                output.dir = out
                """.formatted(rate), List.of()).config();
        MultiLayerNetwork net = new MultiLayerNetwork(NetworkFactory.configuration(c.model(), c.training(), 5));
        net.init();
        return net;
    }

    @Test
    void aWorkerTrainsAtTheRateTheDriverSet() {
        MultiLayerNetwork driver = network(0.01);
        String configuration = driver.getLayerWiseConfigurations().toJson();
        var x = Nd4j.rand(16, 5);
        var y = Nd4j.zeros(16, 3);
        for (int i = 0; i < 16; i++) {
            y.putScalar(i, i % 3, 1);
        }
        driver.fit(x, y); // some updater state to carry
        assertEquals(0.01, LearningRates.constant(driver), 1e-12);
        LearningRates.set(driver, 0.001);
        assertEquals(0.001, LearningRates.constant(driver), 1e-12);

        // The worker's network is built from the configuration shipped at the start (rate 0.01).
        MultiLayerNetwork worker = ResidentNetworks.borrow("plateau-test", ResidentNetworks.Snapshot.of(driver, configuration), 1);
        try {
            assertEquals(0.001, LearningRates.constant(worker), 1e-12, "the driver's rate, not the configuration's");
            assertTrue(VectorizedAdam.installed(worker));
            assertArrayEquals(driver.getUpdater().getStateViewArray().toFloatVector(),
                    worker.getUpdater().getStateViewArray().toFloatVector(), "the updater state kept");
            MultiLayerNetwork reference = network(0.001);
            reference.setParams(driver.params().dup());
            reference.getUpdater().getStateViewArray().assign(driver.getUpdater().getStateViewArray());
            reference.getLayerWiseConfigurations().setIterationCount(driver.getLayerWiseConfigurations().getIterationCount());
            worker.fit(x, y);
            reference.fit(x, y);
            assertArrayEquals(reference.params().toFloatVector(), worker.params().toFloatVector(), 1e-6f,
                    "the same step as a network built at 0.001");
            MultiLayerNetwork atOldRate = network(0.01);
            atOldRate.setParams(driver.params().dup());
            atOldRate.getUpdater().getStateViewArray().assign(driver.getUpdater().getStateViewArray());
            atOldRate.getLayerWiseConfigurations().setIterationCount(driver.getLayerWiseConfigurations().getIterationCount());
            atOldRate.fit(x, y);
            assertFalse(java.util.Arrays.equals(atOldRate.params().toFloatVector(), worker.params().toFloatVector()),
                    "the control: at 0.01 the step differs");
        } finally {
            ResidentNetworks.releaseInThisJvm("plateau-test");
        }
    }
}
