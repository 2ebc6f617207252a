package io.normdrop.metrics;

import io.normdrop.config.LoadedJob;
import io.normdrop.data.FileDigest;
import io.normdrop.data.LoadedData;
import io.normdrop.nn.NetworkSummary;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * What went into a model, written as {@code provenance.json} and inside the model files: to
 * reproduce or audit it. The code version, the resolved job and its digest, the seed, every input
 * file with its digest, the Spark set-up and the network. What came out of the run (its metrics)
 * is {@code metrics.json}; the two share only the identifiers that join them (code version,
 * config digest, data digest).
 *
 * @param format       document format, {@value #FORMAT}
 * @param createdAt    ISO-8601 instant the run finished
 * @param code         code version
 * @param jobSource    the job file
 * @param configDigest SHA-256 of the resolved job without its output section
 * @param seed         training seed
 * @param job          the resolved job, every key with its effective value
 * @param data         input files and their digests
 * @param spark        master, workers and Spark version
 * @param network      layers, parameter counts, effective dropout
 * @param selection    which data set chose the kept epoch and the learning rate (never the test set)
 */
public record Provenance(String format, String createdAt, CodeVersion code, String jobSource, String configDigest,
                         long seed, Map<String, Object> job, Data data, Spark spark, NetworkSummary network,
                         Selection selection) {
    /**
     * @param epoch        what chose the epoch whose network the run keeps
     * @param learningRate what set the learning rate: a schedule fixed in advance, or the plateau
     *                     schedule watching the validation set
     * @param validation   the validation set: its files, a fraction of the training data, or none
     */
    public record Selection(String epoch, String learningRate, String validation) {
        static Selection of(io.normdrop.config.JobConfig job) {
            var t = job.training();
            var v = job.data().validation();
            String watched = (t.earlyStopping().enabled() ? t.earlyStopping().metric().jobName() : "validation-loss")
                    + " on data.validation";
            return new Selection(t.earlyStopping().enabled() ? watched : "the last epoch",
                    t.updater().schedule().type() == io.normdrop.config.UpdaterSpec.Schedule.Type.PLATEAU
                            ? "plateau schedule watching " + watched : "fixed in advance (" + t.updater().describe() + ")",
                    v.files() != null ? v.files().describe() : v.fraction() > 0 ? v.fraction()
                            + " of data.train held out, stratified, seed " + t.seed() : "none");
        }
    }

    public static final String FORMAT = "normdrop-provenance/2";

    /**
     * @param train         training files
     * @param test          test files
     * @param trainExamples examples trained on
     * @param testExamples  examples evaluated
     * @param digest        SHA-256 over the digests of all files, in order: one value to compare runs
     * @param labels        when the labels in the data are names: the name of each class, by class (the
     *                      mapping predictions use); empty when they are numbers
     */
    public record Data(List<FileDigest> train, List<FileDigest> test, long trainExamples, long testExamples,
                       String digest, List<String> labels) {
        /** The files of the two sets and one digest over all of them. */
        public static Data of(LoadedData train, LoadedData test) {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                for (FileDigest d : train.digests()) {
                    sha.update(d.sha256().getBytes(StandardCharsets.US_ASCII));
                }
                for (FileDigest d : test.digests()) {
                    sha.update(d.sha256().getBytes(StandardCharsets.US_ASCII));
                }
                return new Data(train.digests(), test.digests(), train.count(), test.count(),
                        HexFormat.of().formatHex(sha.digest()), train.labels());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * @param version Spark version
     * @param master  master URL
     * @param workers parameter-averaging workers
     */
    public record Spark(String version, String master, int workers) {
    }

    /** The provenance of a run of {@code job} on this data, network and Spark set-up, finishing now. */
    public static Provenance of(LoadedJob job, Data data, NetworkSummary network, Spark spark) {
        return new Provenance(FORMAT, Instant.now().toString(), CodeVersion.current(), job.source(), job.configDigest(),
                job.config().training().seed(), job.resolved().root().unwrapped(), data, spark, network,
                Selection.of(job.config()));
    }
}
