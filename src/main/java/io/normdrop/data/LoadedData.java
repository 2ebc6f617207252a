package io.normdrop.data;

import io.normdrop.config.ImageShape;
import org.apache.spark.api.java.JavaPairRDD;

import java.util.List;

/**
 * A data set read and checked on Spark: its good examples, indexed 0..count-1 in reading order
 * and persisted (memory, spilling to disk) on the executors, and what the reading found.
 *
 * @param key       the job key of the set, e.g. {@code data.train}
 * @param examples  index → example, {@link #count} of them; persisted, {@link #release} frees it
 * @param count     good examples
 * @param features  features per example
 * @param classes   classes (labels 0..classes-1)
 * @param summary   records, good and bad, examples per label, the first problems
 * @param problems  the first bad records, with line numbers resolved
 * @param digests   SHA-256 of every file read
 * @param labels    the label names by class when the data's labels are names; empty when they are numbers
 * @param images    the shape of the images when the files say what it is (idx: 1 × rows × columns);
 *                  null for the other formats
 */
public record LoadedData(String key, JavaPairRDD<Long, Example> examples, long count, int features, int classes,
                         RecordSummary summary, List<Problem> problems, List<FileDigest> digests, List<String> labels,
                         ImageShape images) {
    public LoadedData {
        problems = List.copyOf(problems);
        digests = List.copyOf(digests);
        labels = List.copyOf(labels);
    }

    /** The same set, its examples images of {@code shape} as its files say. */
    LoadedData withImages(ImageShape shape) {
        return new LoadedData(key, examples, count, features, classes, summary, problems, digests, labels, shape);
    }

    /** Bad records left out (with {@code data.onBadRecord = skip}). */
    public long skipped() {
        return summary.bad();
    }

    /** The first {@code n} examples (or all when fewer), on the driver. */
    public List<Example> head(int n) {
        return examples.filter(t -> t._1() < n).collect().stream()
                .sorted(java.util.Comparator.comparingLong(t -> t._1())).map(t -> t._2()).toList();
    }

    /** Frees the persisted examples. */
    public void release() {
        examples.unpersist(false);
    }
}
