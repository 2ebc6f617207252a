package io.normdrop.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import io.normdrop.config.ConfigException;
import io.normdrop.data.MissingInputException;
import io.normdrop.metrics.RoundMetrics;
import io.normdrop.metrics.RunMetrics;
import io.normdrop.metrics.WatchState;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
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
public final class Checkpoints {
    static final String MODEL = "model.zip";
    static final String STATE = "state.json";
    static final String FORMAT = "normdrop-checkpoint/1";

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new Jdk8Module());

    private Checkpoints() {
    }

    /**
     * @param format         {@value #FORMAT}
     * @param epoch          the last epoch trained
     * @param iterationCount iterations trained so far
     * @param jobDigest      {@link io.normdrop.config.LoadedJob#resumeDigest} of the job that wrote it
     * @param epochs         metrics of the epochs so far
     * @param rounds         metrics of the rounds so far
     * @param savedAt        ISO-8601 instant
     * @param watch          where early stopping and the plateau schedule stood; null in checkpoints
     *                       written before they existed
     */
    public record State(String format, int epoch, int iterationCount, String jobDigest, List<RunMetrics.Epoch> epochs,
                 List<RoundMetrics> rounds, String savedAt, WatchState watch) {
        /** {@link #watch}, or the start for an older checkpoint. */
        public WatchState watchState() {
            return watch == null ? WatchState.START : watch;
        }
    }

    /**
     * A checkpoint read back.
     *
     * @param best the network of the best epoch so far, kept by early stopping in its own
     *             checkpoint; null when that is this checkpoint's epoch or none was kept
     */
    public record Loaded(State state, MultiLayerNetwork network, Path directory, MultiLayerNetwork best) {
        /** The best epoch's network so far: {@link #best}, or a copy of this one when this epoch is the best; else null. */
        public MultiLayerNetwork bestSoFar() {
            return best != null ? best : state.watchState().bestEpoch() == state.epoch() ? network.clone() : null;
        }
    }

    /**
     * Checkpoints the epoch just trained, then drops the older checkpoints but the best epoch's
     * when early stopping keeps it ({@code keepsBest}): a resumed run takes that network from there.
     *
     * @param jobDigest {@link io.normdrop.config.LoadedJob#resumeDigest} of the job
     */
    public static void save(RunDirectory output, int epoch, int iterationCount, String jobDigest,
                            List<RunMetrics.Epoch> epochs, List<RoundMetrics> rounds, MultiLayerNetwork network,
                            WatchState watch, boolean keepsBest) throws IOException {
        save(output, new State(FORMAT, epoch, iterationCount, jobDigest, epochs, rounds, Instant.now().toString(), watch),
                network, keepsBest ? watch.bestEpoch() : 0);
    }

    private static void save(RunDirectory output, State state, MultiLayerNetwork network, int keep) throws IOException {
        Path dir = output.newCheckpoint(state.epoch());
        java.nio.file.Path local = Files.createTempFile("normdrop-checkpoint", ".zip");
        try {
            ModelSerializer.writeModel(network, local.toFile(), true);
            output.fileSystem().copyFromLocalFile(false, true, new Path(local.toUri()), new Path(dir, MODEL));
        } finally {
            Files.deleteIfExists(local);
        }
        // The state file marks the checkpoint complete, so it must appear whole: written aside,
        // then renamed, or a driver killed while writing it would leave an empty state.json.
        Path temp = new Path(dir, STATE + ".tmp");
        try (FSDataOutputStream os = output.fileSystem().create(temp, true)) {
            os.write(JSON.writeValueAsBytes(state));
        }
        if (!output.fileSystem().rename(temp, new Path(dir, STATE))) {
            throw new IOException("could not rename " + temp + " to " + STATE);
        }
        output.dropCheckpointsBefore(state.epoch(), keep);
    }

    /**
     * The run's last epoch checkpoint, to continue from, if there is one.
     *
     * @param jobDigest {@link io.normdrop.config.LoadedJob#resumeDigest} of the job resuming
     * @throws ConfigException when the checkpoint comes from a different job
     */
    public static Optional<Loaded> resume(RunDirectory output, String jobDigest) throws IOException {
        Optional<Loaded> loaded = latest(output);
        if (loaded.isPresent() && !loaded.get().state().jobDigest().equals(jobDigest)) {
            throw new ConfigException("--resume", "the job differs from the one that wrote the checkpoint in "
                    + loaded.get().directory() + " (only training.epochs, training.checkpoint and output may change); "
                    + "run without --resume to start afresh");
        }
        return loaded;
    }

    /** The error of a --resume with nothing to continue from. */
    public static MissingInputException nothingToResume(RunDirectory output) {
        return new MissingInputException("nothing to resume: no checkpoint in " + output.temp()
                + " (run without --resume to start afresh)", null);
    }

    /** What a failed run keeps for --resume, as a phrase for its error message. */
    public static String kept(RunDirectory output) throws IOException {
        Optional<Loaded> last = latest(output);
        if (last.isPresent()) {
            return "the last good checkpoint (epoch " + last.get().state().epoch() + ") is kept in " + output.temp()
                    + " for --resume";
        }
        return output.holdsRoundCheckpoints() ? "a checkpoint inside epoch 1 is kept in " + output.temp() + " for --resume"
                : "no epoch finished, nothing kept";
    }

    static Optional<Loaded> latest(RunDirectory output) throws IOException {
        Optional<Path> dir = output.latestCheckpoint(STATE);
        if (dir.isEmpty()) {
            return Optional.empty();
        }
        State state;
        try (FSDataInputStream in = output.fileSystem().open(new Path(dir.get(), STATE))) {
            state = JSON.readValue(in, new TypeReference<State>() {
            });
        }
        int bestEpoch = state.watchState().bestEpoch();
        Path bestDir = output.checkpoint(bestEpoch);
        MultiLayerNetwork best = bestEpoch > 0 && bestEpoch != state.epoch() && output.fileSystem().exists(
                new Path(bestDir, MODEL)) ? network(output, bestDir) : null;
        return Optional.of(new Loaded(state, network(output, dir.get()), dir.get(), best));
    }

    private static MultiLayerNetwork network(RunDirectory output, Path dir) throws IOException {
        java.nio.file.Path local = Files.createTempFile("normdrop-checkpoint", ".zip");
        try {
            output.fileSystem().copyToLocalFile(false, new Path(dir, MODEL), new Path(local.toUri()), true);
            try (ModelArchive archive = ModelArchive.open(local.toFile(), new Path(dir, MODEL).toString())) {
                return archive.network(true);
            }
        } finally {
            Files.deleteIfExists(local);
        }
    }
}
