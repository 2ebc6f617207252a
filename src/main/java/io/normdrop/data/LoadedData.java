package io.normdrop.data;

import io.normdrop.config.ImageShape;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.storage.StorageLevel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A data set read and checked on Spark: its good examples, indexed 0..count-1 in reading order,
 * and what the reading found. The examples are read again from the files whenever they are
 * used, unless {@link #keep} persisted them on the executors (memory, spilling to disk).
 *
 * @param key       the job key of the set, e.g. {@code data.train}
 * @param examples  index → example, {@link #count} of them; partition p holds the good examples of
 *                  the reading's partition p, {@code partitionCounts[p]} of them
 * @param count     good examples
 * @param features  features per example
 * @param classes   classes (labels 0..classes-1)
 * @param summary   records, good and bad, examples per label, the first problems
 * @param problems  the first bad records, with line numbers resolved
 * @param digests   SHA-256 of every file read
 * @param labels    the label names by class when the data's labels are names; empty when they are numbers
 * @param images    the shape of the images when the files say what it is (idx: 1 × rows × columns);
 *                  null for the other formats
 * @param partitionCounts good examples in each partition of {@code examples}, as the check counted them
 * @param kept      whether the examples are persisted on the executors
 */
public record LoadedData(String key, JavaPairRDD<Long, Example> examples, long count, int features, int classes,
                         RecordSummary summary, List<Problem> problems, List<FileDigest> digests, List<String> labels,
                         ImageShape images, long[] partitionCounts, boolean kept) {
    /** How {@link #keep} holds the examples: serialized (a float is 4 bytes), spilling to local disk. */
    public static final StorageLevel STORAGE_LEVEL = StorageLevel.MEMORY_AND_DISK_SER();

    public LoadedData {
        partitionCounts = partitionCounts.clone();
        problems = List.copyOf(problems);
        digests = List.copyOf(digests);
        labels = List.copyOf(labels);
    }

    /** The same set, its examples images of {@code shape} as its files say. */
    LoadedData withImages(ImageShape shape) {
        return new LoadedData(key, examples, count, features, classes, summary, problems, digests, labels, shape,
                partitionCounts, kept);
    }

    /**
     * The same set with its examples persisted on the executors ({@link #STORAGE_LEVEL}) and
     * materialized now, so that reading counts as reading, not as the first epoch.
     */
    public LoadedData keep() {
        if (kept) {
            return this;
        }
        examples.persist(STORAGE_LEVEL);
        examples.count();
        return new LoadedData(key, examples, count, features, classes, summary, problems, digests, labels, images,
                partitionCounts, true);
    }

    /** Good examples in each partition of {@link #examples}. */
    @Override
    public long[] partitionCounts() {
        return partitionCounts.clone();
    }

    /** Bytes of the examples' features as float32: what keeping them costs at the least. */
    public long featureBytes() {
        return count * features * (long) Float.BYTES;
    }

    /** Bad records left out (with {@code data.onBadRecord = skip}). */
    public long skipped() {
        return summary.bad();
    }

    /**
     * The first {@code n} examples (or all when fewer), on the driver; reads only the partitions
     * that hold them (the examples are indexed in partition order).
     */
    public List<Example> head(int n) {
        return examples.take(n).stream().map(t -> t._2()).toList();
    }

    /**
     * About {@code n} examples spread over the set, on the driver: the first examples of each of up
     * to {@value #SPREAD_PARTS} partitions chosen in a seeded order, reading only those (a streamed
     * set may be ordered, e.g. by label, where its first examples would all be alike).
     */
    public List<Example> spread(int n, long seed) {
        List<Integer> filled = new ArrayList<>();
        for (int p = 0; p < partitionCounts.length; p++) {
            if (partitionCounts[p] > 0) {
                filled.add(p);
            }
        }
        if (filled.isEmpty() || n <= 0) {
            return List.of();
        }
        SeededPermutation order = new SeededPermutation(filled.size(), SeededPermutation.mix(seed));
        Integer[] shuffled = new Integer[filled.size()];
        for (int i = 0; i < shuffled.length; i++) {
            shuffled[(int) order.apply(i)] = filled.get(i);
        }
        java.util.Set<Integer> chosen = new java.util.HashSet<>(
                Arrays.asList(shuffled).subList(0, Math.min(SPREAD_PARTS, shuffled.length)));
        int each = (n + chosen.size() - 1) / chosen.size();
        List<Example> out = new ArrayList<>(examples.mapPartitionsWithIndex((p, it) -> {
            List<Example> first = new ArrayList<>();
            // Partitions not chosen are not read: their iterators are never asked for a record.
            while (chosen.contains(p) && first.size() < each && it.hasNext()) {
                first.add(it.next()._2());
            }
            return first.iterator();
        }, false).collect());
        return out.size() > n ? out.subList(0, n) : out;
    }

    /** Partitions {@link #spread} takes examples from, at most. */
    static final int SPREAD_PARTS = 64;

    /** Frees the persisted examples (nothing when they are not kept). */
    public void release() {
        if (kept) {
            examples.unpersist(false);
        }
    }
}
