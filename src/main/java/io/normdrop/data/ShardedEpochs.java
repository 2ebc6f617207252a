package io.normdrop.data;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Training minibatches for workers that keep their share of the data: the examples are dealt
 * once into one shard per worker (a seeded global permutation, shard sizes differing by at most
 * one), and the shards stay cached on the executors. Every epoch each worker reshuffles its own
 * shard with a permutation of (seed, epoch, worker), so no data moves between executors; every
 * {@code reshuffleEvery} epochs the examples are dealt anew across the workers (one Spark shuffle).
 * Partition {@code w} of an epoch is worker {@code w}'s minibatches for the whole epoch.
 */
public final class ShardedEpochs implements TrainingEpochs {
    /** Deserialized: the shards are plain Java arrays, read in place by the task of their executor. */
    private static final StorageLevel SHARDS = StorageLevel.MEMORY_AND_DISK();

    private final ReshuffledEpochs deal;
    private final int workers;
    private final int reshuffleEvery;
    private final long seed;
    private JavaRDD<Example[]> shards;
    private int dealtAt;
    private double dealSeconds;

    /**
     * @param data           the training set
     * @param workers        shards (at most one per example)
     * @param batchSize      examples per DataSet
     * @param seed           the job's seed
     * @param reshuffleEvery epochs between global reshuffles; 0: dealt once, for the whole run
     * @param scaler         feature scaling, or null
     */
    public ShardedEpochs(LoadedData data, int workers, int batchSize, long seed, int reshuffleEvery,
                         FeatureScaler scaler) {
        this.deal = new ReshuffledEpochs(data, workers, batchSize, seed, scaler);
        this.workers = deal.partitionExamples().length;
        this.reshuffleEvery = reshuffleEvery;
        this.seed = seed;
    }

    @Override
    public long examples() {
        return deal.examples();
    }

    @Override
    public int dataSetExamples() {
        return deal.dataSetExamples();
    }

    @Override
    public long[] partitionExamples() {
        return deal.partitionExamples();
    }

    /** The epoch whose permutation dealt the shards that {@code epoch} trains on. */
    int dealtFor(int epoch) {
        return reshuffleEvery == 0 ? 1 : epoch - (epoch - 1) % reshuffleEvery;
    }

    /**
     * Seconds the last call to {@link #epoch} spent dealing the examples into shards and caching
     * them (0 when the cached shards were reused).
     */
    @Override
    public double preparationSeconds() {
        return dealSeconds;
    }

    @Override
    public JavaRDD<DataSet> epoch(int epoch) {
        int dealt = dealtFor(epoch);
        dealSeconds = 0;
        if (shards == null || dealt != dealtAt) {
            long start = System.nanoTime();
            JavaRDD<Example[]> next = deal.shards(dealt, workers).persist(SHARDS);
            next.count();
            close();
            shards = next;
            dealtAt = dealt;
            dealSeconds = (System.nanoTime() - start) / 1e9;
        }
        int features = deal.features();
        int classes = deal.classes();
        int batch = deal.dataSetExamples();
        FeatureScaler scaler = deal.scaler();
        // The epoch the shards were dealt for trains in the dealt order; later epochs permute locally.
        boolean inDealtOrder = epoch == dealt;
        long local = SeededPermutation.mix(SeededPermutation.mix(seed) * 31 + epoch);
        return shards.mapPartitionsWithIndex((w, it) -> {
            Example[] shard = it.next();
            Example[] order = inDealtOrder ? shard : permuted(shard, local + w);
            return DataSets.cut(order, batch, features, classes, scaler);
        }, true);
    }

    /** {@code shard} in the order of a permutation seeded by {@code seed}. */
    static Example[] permuted(Example[] shard, long seed) {
        Example[] out = new Example[shard.length];
        if (shard.length == 0) {
            return out;
        }
        SeededPermutation p = new SeededPermutation(shard.length, seed);
        for (int i = 0; i < shard.length; i++) {
            out[(int) p.apply(i)] = shard[i];
        }
        return out;
    }

    /** Drops the cached shards. */
    @Override
    public void close() {
        if (shards != null) {
            shards.unpersist(false);
            shards = null;
        }
    }
}
