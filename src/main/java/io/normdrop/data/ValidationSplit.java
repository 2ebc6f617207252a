package io.normdrop.data;

import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A validation set held out of the training data, stratified and seeded: of each class's
 * {@code n} examples, {@code round(fraction · n)} (at least one when the class has two or more,
 * never all), chosen by a seeded permutation of the class's examples in file order. The choice
 * depends on the seed and on the examples' order in the files alone, not on how Spark partitions
 * them, so the same rows are held out whatever the number of workers. Both parts keep the
 * examples' order and are indexed 0..count-1 again.
 *
 * <p>Costs one pass over the training data (counting each class in each partition); the parts
 * themselves are computed lazily, as the training set is.
 *
 * @param train      the examples left for training
 * @param validation the examples held out
 */
public record ValidationSplit(LoadedData train, LoadedData validation) {
    /** Holds {@code fraction} of {@code data}'s examples out, as {@code data.validation}. */
    public static ValidationSplit of(LoadedData data, double fraction, long seed) {
        int classes = data.classes();
        List<long[]> perPartition = data.examples().mapPartitions((Iterator<Tuple2<Long, Example>> it) -> {
            long[] counts = new long[classes];
            while (it.hasNext()) {
                counts[it.next()._2().label()]++;
            }
            List<long[]> one = new ArrayList<>(1);
            one.add(counts);
            return one.iterator();
        }).collect();
        int partitions = perPartition.size();
        long[] total = new long[classes];
        // first[p][c]: the class-c ordinal of partition p's first class-c example.
        long[][] first = new long[partitions][classes];
        for (int p = 0; p < partitions; p++) {
            for (int c = 0; c < classes; c++) {
                first[p][c] = total[c];
                total[c] += perPartition.get(p)[c];
            }
        }
        long[] held = new long[classes];
        for (int c = 0; c < classes; c++) {
            held[c] = total[c] < 2 ? 0 : Math.min(total[c] - 1, Math.max(1, Math.round(fraction * total[c])));
        }
        Choice choice = new Choice(total, held, seed);
        // Each partition's held-out and kept examples, counted on the driver from the class ordinals it holds.
        long[] heldIn = new long[partitions];
        long[] keptIn = new long[partitions];
        long[] heldPerClass = new long[classes];
        for (int p = 0; p < partitions; p++) {
            for (int c = 0; c < classes; c++) {
                for (long o = first[p][c]; o < first[p][c] + perPartition.get(p)[c]; o++) {
                    if (choice.held(c, o)) {
                        heldIn[p]++;
                        heldPerClass[c]++;
                    } else {
                        keptIn[p]++;
                    }
                }
            }
        }
        LoadedData kept = part(data, first, choice, false, keptIn, data.summary() == null ? null
                : data.summary().without(heldPerClass));
        LoadedData out = part(data, first, choice, true, heldIn, RecordSummary.ofExamples(heldPerClass, data.features()));
        return new ValidationSplit(kept, out);
    }

    private static LoadedData part(LoadedData data, long[][] first, Choice choice, boolean held, long[] counts,
                                   RecordSummary summary) {
        long[] start = new long[counts.length];
        long count = 0;
        for (int p = 0; p < counts.length; p++) {
            start[p] = count;
            count += counts[p];
        }
        int classes = data.classes();
        JavaRDD<Tuple2<Long, Example>> examples = data.examples().mapPartitionsWithIndex((p, it) -> {
            long[] ordinal = first[p].clone();
            return new IndexedExamples<>(it, t -> {
                int c = t._2().label();
                return c >= 0 && c < classes && choice.held(c, ordinal[c]++) == held ? t._2() : null;
            }, start[p]);
        }, true);
        String key = held ? "data.validation" : data.key();
        return new LoadedData(key, JavaPairRDD.fromJavaRDD(examples), count, data.features(), classes, summary,
                held ? List.of() : data.problems(), data.digests(), data.labels(), data.images(), counts, false);
    }

    /** Which class ordinals are held out: those a seeded permutation of the class's ordinals puts first. */
    private static final class Choice implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        private final long[] held;
        private final SeededPermutation[] order;

        Choice(long[] total, long[] held, long seed) {
            this.held = held.clone();
            this.order = new SeededPermutation[total.length];
            for (int c = 0; c < total.length; c++) {
                order[c] = total[c] == 0 ? null : new SeededPermutation(total[c], SeededPermutation.mix(seed + 31L * c));
            }
        }

        boolean held(int c, long ordinal) {
            return held[c] > 0 && order[c].apply(ordinal) < held[c];
        }
    }
}
