package io.normdrop.train;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A worker's own updater state (updaterState = local) comes back in a later step only: a retried
 * step, whose failed attempt may already have kept its state, starts from what the driver shipped.
 * A released run keeps nothing, also when a late task gives its network back afterwards.
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
            ResidentNetworks.releaseInThisJvm(run);
        }
    }

    @Test
    void aReleasedRunKeepsNothingOfATaskThatFinishesLate() {
        MultiLayerNetwork trained = DriftSumsTest.network();
        String run = "late-task-test";
        ResidentNetworks.Snapshot snapshot = ResidentNetworks.Snapshot.of(trained,
                trained.getLayerWiseConfigurations().toJson());
        try {
            // The JVM's own thread count: the test changes no global ND4J setting.
            MultiLayerNetwork net = ResidentNetworks.borrow(run, snapshot, Nd4j.getEnvironment().maxThreads());
            ResidentNetworks.giveBack(run, net);
            assertEquals(1, ResidentNetworks.pooledNetworks(run), "a network given back is pooled");
            net = ResidentNetworks.borrow(run, snapshot, Nd4j.getEnvironment().maxThreads());
            assertEquals(0, ResidentNetworks.pooledNetworks(run), "and taken again");

            ResidentNetworks.releaseInThisJvm(run);
            // A task of a stage attempt Spark gave up on, finishing after the run ended:
            ResidentNetworks.keepOwnState(run, 0, 1, net);
            ResidentNetworks.giveBack(run, net);
            assertFalse(ResidentNetworks.heldRuns().contains(run), "held: " + ResidentNetworks.heldRuns());
            assertEquals(0, ResidentNetworks.pooledNetworks(run));
        } finally {
            ResidentNetworks.releaseInThisJvm(run);
        }
    }
}
