package io.normdrop.data;

import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.nd4j.linalg.dataset.DataSet;
import scala.Tuple2;

import java.util.Collections;

/**
 * Training minibatches built on the executors, balanced and reshuffled every epoch: the
 * examples (indexed 0..n-1) are placed by a {@link SeededPermutation} of (seed, epoch) into
 * partitions whose sizes differ by at most one, in permuted order within each, and cut there into
 * DataSets with the feature scaling applied. No partition is empty or lopsided (dl4j-spark's own
 * random split can leave a worker a fraction of the others' data), and each example lands in a
 * fresh minibatch every epoch. The shuffle moves the data between executors once per epoch.
 */
public final class ReshuffledEpochs implements TrainingEpochs {
    private final LoadedData data;
    private final int partitions;
    private final int batchSize;
    private final long seed;
    private final FeatureScaler scaler;

    /**
     * @param data       the training set
     * @param partitions partitions per epoch (at most one per example)
     * @param batchSize  examples per DataSet
     * @param seed       the job's seed; each epoch's order derives from it and the epoch
     * @param scaler     feature scaling, or null
     */
    public ReshuffledEpochs(LoadedData data, int partitions, int batchSize, long seed, FeatureScaler scaler) {
        this.data = data;
        this.partitions = (int) Math.max(1, Math.min(partitions, data.count()));
        this.batchSize = batchSize;
        this.seed = seed;
        this.scaler = scaler;
    }

    @Override
    public long examples() {
        return data.count();
    }

    @Override
    public int dataSetExamples() {
        return batchSize;
    }

    @Override
    public long[] partitionExamples() {
        return sizes(data.count(), partitions);
    }

    /** The sizes of {@code parts} partitions of {@code n} examples cut at {@link #start}: differing by at most one. */
    static long[] sizes(long n, int parts) {
        long[] sizes = new long[parts];
        for (int p = 0; p < parts; p++) {
            sizes[p] = start(p + 1, n, parts) - start(p, n, parts);
        }
        return sizes;
    }

    int features() {
        return data.features();
    }

    int classes() {
        return data.classes();
    }

    FeatureScaler scaler() {
        return scaler;
    }

    /** First permuted position of partition {@code p}: p·n/P, so sizes differ by at most one. */
    static long start(int p, long n, int partitions) {
        return Math.multiplyExact(p, n) / partitions;
    }

    /** The permutation of {@code epoch}: seeded by the job's seed and the epoch. */
    SeededPermutation permutation(int epoch) {
        return new SeededPermutation(data.count(), SeededPermutation.mix(seed) * 31 + epoch);
    }

    @Override
    public JavaRDD<DataSet> epoch(int epoch) {
        int features = data.features();
        int classes = data.classes();
        int batch = batchSize;
        FeatureScaler scale = scaler;
        return shards(epoch, partitions).flatMap(slots -> DataSets.cut(slots, batch, features, classes, scale));
    }

    /**
     * The examples placed by the permutation of {@code epoch} into {@code parts} partitions of
     * sizes differing by at most one, each partition one array in permuted order (one shuffle).
     */
    JavaRDD<Example[]> shards(int epoch, int parts) {
        SeededPermutation order = permutation(epoch);
        long n = data.count();
        return data.examples()
                .mapToPair(t -> new Tuple2<>(order.apply(t._1()), t._2()))
                .partitionBy(new Balanced(parts, n))
                .mapPartitionsWithIndex((p, it) -> {
                    long first = start(p, n, parts);
                    Example[] slots = new Example[(int) (start(p + 1, n, parts) - first)];
                    while (it.hasNext()) {
                        Tuple2<Long, Example> t = it.next();
                        slots[(int) (t._1() - first)] = t._2();
                    }
                    return Collections.singletonList(slots).iterator();
                }, true);
    }

    /** Sends permuted position k to the partition p with start(p) <= k < start(p + 1). */
    static final class Balanced extends Partitioner {
        private final int partitions;
        private final long n;

        Balanced(int partitions, long n) {
            this.partitions = partitions;
            this.n = n;
        }

        @Override
        public int numPartitions() {
            return partitions;
        }

        @Override
        public int getPartition(Object key) {
            long k = (Long) key;
            int p = (int) Math.min(partitions - 1, (long) ((double) k * partitions / n));
            while (p > 0 && start(p, n, partitions) > k) {
                p--;
            }
            while (p < partitions - 1 && start(p + 1, n, partitions) <= k) {
                p++;
            }
            return p;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Balanced b && b.partitions == partitions && b.n == n;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(n) * 31 + partitions;
        }
    }
}
