package io.normdrop.job;

import io.normdrop.data.FileDigest;
import io.normdrop.metrics.EpochMetrics;
import io.normdrop.nn.NetworkSummary;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Where a model came from, written as {@code provenance.json} and inside the model zip: the code
 * version, the resolved job, the seed, digests of every input file, the Spark set-up, the
 * network and the metrics of the run.
 *
 * @param format    document format, {@value #FORMAT}
 * @param createdAt ISO-8601 instant the run finished
 * @param code      code version
 * @param jobSource the job file
 * @param seed      training seed
 * @param job       the resolved job, every key with its effective value
 * @param data      input files and their digests
 * @param spark     master, workers and Spark version
 * @param network   layers, parameter counts, effective dropout
 * @param epochs    per-epoch metrics
 */
public record Provenance(String format, String createdAt, CodeVersion code, String jobSource, long seed,
                         Map<String, Object> job, Data data, Spark spark, NetworkSummary network,
                         List<EpochMetrics> epochs) {
    public static final String FORMAT = "normdrop-provenance/1";

    /**
     * @param train         training files
     * @param test          test files
     * @param trainExamples examples trained on
     * @param testExamples  examples evaluated
     * @param digest        SHA-256 over the digests of all files, in order: one value to compare runs
     */
    public record Data(List<FileDigest> train, List<FileDigest> test, long trainExamples, long testExamples,
                       String digest) {
        static Data of(List<FileDigest> train, List<FileDigest> test, long trainExamples, long testExamples) {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                for (FileDigest d : train) {
                    sha.update(d.sha256().getBytes(StandardCharsets.US_ASCII));
                }
                for (FileDigest d : test) {
                    sha.update(d.sha256().getBytes(StandardCharsets.US_ASCII));
                }
                return new Data(train, test, trainExamples, testExamples, HexFormat.of().formatHex(sha.digest()));
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
}
