package io.normdrop.train;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A worker's own updater state (updaterState = local) comes back in a later step only: a retried
 * step, whose failed attempt may already have kept its state, starts from what the driver shipped.
 */
class ResidentNetworksTest {
    @Test
    void aWorkersOwnStateReturnsInLaterStepsNotInARetryOfItsOwn() {
        MultiLayerNetwork net = DriftSumsTest.network();
        INDArray state = net.getUpdater().getStateViewArray();
        String run = "own-state-test";
        try {
            state.assign(0.5);
            ResidentNetworks.keepOwnState(run, 1, 3, net);
            state.assign(0.25);
            ResidentNetworks.restoreOwnState(run, 1, 3, net);
            assertEquals(0.25, state.meanNumber().doubleValue(), 0, "a retry of step 3 keeps the shipped state");
            ResidentNetworks.restoreOwnState(run, 0, 4, net);
            assertEquals(0.25, state.meanNumber().doubleValue(), 0, "worker 0 kept nothing");
            ResidentNetworks.restoreOwnState(run, 1, 4, net);
            assertEquals(0.5, state.meanNumber().doubleValue(), 1e-7, "step 4 continues from worker 1's own");
        } finally {
            ResidentNetworks.forget(run);
        }
    }
}
