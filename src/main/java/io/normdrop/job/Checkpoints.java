package io.normdrop.job;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.normdrop.metrics.RoundMetrics;
import io.normdrop.metrics.RunMetrics;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;

/**
 * Epoch checkpoints of a run, in its working directory ({@code checkpoint-N/}): the network with
 * its updater state ({@value #MODEL}) and the training state ({@value #STATE}, written last, so a
 * checkpoint without it is incomplete and ignored). After a checkpoint is complete the older ones
 * are deleted.
 *
 * <p>What a resumed run needs besides the parameters and the updater state: the epoch, the metrics
 * so far, and dl4j-spark's iteration count (its statistics and listeners count on; the updater's
 * own iteration count travels in the saved network's configuration). The data order of
 * every epoch derives from the job's seed and the epoch number, so a resumed epoch sees the
 * minibatches in the same order; that is the random state that matters on the driver. Dropout
 * masks are drawn on the executors, as in any run.
 */
final class Checkpoints {
    static final String MODEL = "model.zip";
    static final String STATE = "state.json";
    static final String FORMAT = "normdrop-checkpoint/1";

    private static final ObjectMapper JSON = new ObjectMapper();

    private Checkpoints() {
    }

    /**
     * @param format         {@value #FORMAT}
     * @param epoch          the last epoch trained
     * @param iterationCount iterations trained so far
     * @param jobDigest      {@link TrainJob#resumeDigest} of the job that wrote it
     * @param epochs         metrics of the epochs so far
     * @param rounds         metrics of the rounds so far
     * @param savedAt        ISO-8601 instant
     */
    record State(String format, int epoch, int iterationCount, String jobDigest, List<RunMetrics.Epoch> epochs,
                 List<RoundMetrics> rounds, String savedAt) {
    }

    /** A checkpoint read back. */
    record Loaded(State state, MultiLayerNetwork network, Path directory) {
    }

    static void save(RunOutput output, State state, MultiLayerNetwork network) throws IOException {
        Path dir = output.newCheckpoint(state.epoch());
        java.nio.file.Path local = Files.createTempFile("normdrop-checkpoint", ".zip");
        try {
            ModelSerializer.writeModel(network, local.toFile(), true);
            output.fileSystem().copyFromLocalFile(false, true, new Path(local.toUri()), new Path(dir, MODEL));
        } finally {
            Files.deleteIfExists(local);
        }
        // The state file marks the checkpoint complete, so it must appear whole: written aside,
        // then renamed (a driver killed while writing it left an empty state.json before this).
        Path temp = new Path(dir, STATE + ".tmp");
        try (FSDataOutputStream os = output.fileSystem().create(temp, true)) {
            os.write(JSON.writeValueAsBytes(state));
        }
        if (!output.fileSystem().rename(temp, new Path(dir, STATE))) {
            throw new IOException("could not rename " + temp + " to " + STATE);
        }
        output.dropCheckpointsBefore(state.epoch());
    }

    static Optional<Loaded> latest(RunOutput output) throws IOException {
        Optional<Path> dir = output.latestCheckpoint(STATE);
        if (dir.isEmpty()) {
            return Optional.empty();
        }
        State state;
        try (FSDataInputStream in = output.fileSystem().open(new Path(dir.get(), STATE))) {
            state = JSON.readValue(in, new TypeReference<State>() {
            });
        }
        java.nio.file.Path local = Files.createTempFile("normdrop-checkpoint", ".zip");
        try {
            output.fileSystem().copyToLocalFile(false, new Path(dir.get(), MODEL), new Path(local.toUri()), true);
            return Optional.of(new Loaded(state, ModelSerializer.restoreMultiLayerNetwork(local.toFile(), true), dir.get()));
        } finally {
            Files.deleteIfExists(local);
        }
    }
}
