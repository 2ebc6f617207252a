package io.normdrop.train;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Where a resumed run continues inside an epoch, read from a {@link RoundCheckpoints} checkpoint:
 * after one of its rounds, with every worker's progress through it and, on the driver, the
 * state to load.
 */
public final class RoundContinuation implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int epoch;
    private final int round;
    private final RoundRecovery.Progress[] workers;
    /** Parameters, then the updater state (absent when {@code updaterState = reset}: zeros). Not shipped to the workers. */
    private final transient float[] state;
    private final String source;

    RoundContinuation(int epoch, int round, RoundRecovery.Progress[] workers, float[] state, String source) {
        this.epoch = epoch;
        this.round = round;
        this.workers = workers;
        this.state = state;
        this.source = source;
    }

    /** The 1-based epoch it continues. */
    public int epoch() {
        return epoch;
    }

    /** The rounds of the epoch already trained. */
    public int roundsDone() {
        return round + 1;
    }

    /** The checkpoint's directory. */
    public String source() {
        return source;
    }

    int round() {
        return round;
    }

    RoundRecovery.Progress progress(int worker) {
        return workers[worker];
    }

    /** Loads the checkpoint's parameters, updater state and iteration count into {@code network}. */
    public void restore(MultiLayerNetwork network) {
        int params = (int) network.params().length();
        float[] updater = ResidentNetworks.updaterState(network);
        if (updater != null) {
            Arrays.fill(updater, 0);
            System.arraycopy(state, params, updater, 0, state.length - params);
        }
        ResidentNetworks.load(network, Arrays.copyOf(state, params), updater);
        network.getLayerWiseConfigurations().setIterationCount(workers[0].iterationCount);
    }
}
