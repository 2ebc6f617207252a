package io.normdrop.data;

import org.apache.spark.api.java.JavaRDD;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Training minibatches read from the files every epoch, for data sets too large to keep: each
 * epoch, the data set's partitions (the files' parts: Spark's splits, about a Parquet row group
 * or a text block each) are laid end to end in a seeded order of (seed, epoch), and that sequence
 * is cut into one contiguous share per worker, sizes differing by at most one example. A worker
 * reads its share slice by slice ({@link WorkerSlicesRDD}) and passes it through a shuffle
 * buffer of {@code buffer} examples seeded by (seed, epoch, worker): the next example trained is
 * a uniformly random one of the buffer, replaced by the next one read. Nothing of the data is
 * kept between epochs; a worker holds the buffer, the minibatch being built and the part being
 * read. Every epoch is the same for the same seed, wherever it runs.
 */
public final class StreamedEpochs implements TrainingEpochs {
    private final LoadedData data;
    private final int workers;
    private final int batchSize;
    private final long seed;
    private final int buffer;
    private final FeatureScaler scaler;

    /**
     * @param data      the training set, indexed and checked (not kept)
     * @param workers   shares per epoch (at most one per example)
     * @param batchSize examples per DataSet
     * @param seed      the job's seed
     * @param buffer    examples in each worker's shuffle buffer (1: no shuffling within a share)
     * @param scaler    feature scaling, or null
     */
    public StreamedEpochs(LoadedData data, int workers, int batchSize, long seed, int buffer, FeatureScaler scaler) {
        this.data = data;
        this.workers = (int) Math.max(1, Math.min(workers, data.count()));
        this.batchSize = batchSize;
        this.seed = seed;
        this.buffer = Math.max(1, buffer);
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
        return ReshuffledEpochs.sizes(data.count(), workers);
    }

    @Override
    public JavaRDD<DataSet> epoch(int epoch) {
        int features = data.features();
        int classes = data.classes();
        int batch = batchSize;
        int size = buffer;
        FeatureScaler scale = scaler;
        long epochSeed = SeededPermutation.mix(SeededPermutation.mix(seed) * 31 + epoch);
        WorkerSlicesRDD shares = new WorkerSlicesRDD(data.examples().rdd(), data.key(),
                plan(data.partitionCounts(), workers, epochSeed));
        return shares.toJavaRDD().mapPartitionsWithIndex((w, it) -> new ShuffledBatches(it, size, features, classes, batch,
                scale, SeededPermutation.mix(epochSeed + w)), true);
    }

    /**
     * Each worker's slices: the partitions with examples, in the order of a permutation seeded by
     * {@code seed}, laid end to end and cut into {@code workers} shares of sizes differing by at
     * most one (worker w's starts at w·n/workers).
     *
     * @param counts examples in each partition (indexed in partition order)
     */
    static WorkerSlicesRDD.Slice[][] plan(long[] counts, int workers, long seed) {
        long[] first = new long[counts.length];
        long n = 0;
        List<Integer> filled = new ArrayList<>();
        for (int p = 0; p < counts.length; p++) {
            first[p] = n;
            n += counts[p];
            if (counts[p] > 0) {
                filled.add(p);
            }
        }
        int[] order = new int[filled.size()];
        SeededPermutation permutation = new SeededPermutation(Math.max(1, filled.size()), seed);
        for (int i = 0; i < filled.size(); i++) {
            order[(int) permutation.apply(i)] = filled.get(i);
        }
        List<List<WorkerSlicesRDD.Slice>> shares = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            shares.add(new ArrayList<>());
        }
        long at = 0; // position in the laid-out sequence
        int w = 0;
        for (int p : order) {
            long from = 0;
            while (from < counts[p]) {
                while (ReshuffledEpochs.start(w + 1, n, workers) <= at) {
                    w++;
                }
                long take = Math.min(counts[p] - from, ReshuffledEpochs.start(w + 1, n, workers) - at);
                shares.get(w).add(new WorkerSlicesRDD.Slice(p, first[p] + from, first[p] + from + take));
                from += take;
                at += take;
            }
        }
        return shares.stream().map(s -> s.toArray(WorkerSlicesRDD.Slice[]::new)).toArray(WorkerSlicesRDD.Slice[][]::new);
    }

    /**
     * Minibatches of the examples in the order of a shuffle buffer of {@code size}: the buffer
     * fills first, then each example out is a random one of the buffer, replaced by the next one
     * in; at the end the buffer drains in random order. Seeded, so the same input gives the same
     * order. The buffer is one float array allocated once: the examples read die young instead
     * of ageing in the buffer into the old generation, which made the heap grow with the data.
     */
    static final class ShuffledBatches implements Iterator<DataSet> {
        private final Iterator<Example> in;
        private final int size;
        private final int features;
        private final int classes;
        private final int batch;
        private final FeatureScaler scaler;
        private final SplittableRandom random;
        private final float[] x;
        private final int[] labels;
        private int held;

        ShuffledBatches(Iterator<Example> in, int size, int features, int classes, int batch, FeatureScaler scaler,
                        long seed) {
            this.in = in;
            this.size = size;
            this.features = features;
            this.classes = classes;
            this.batch = batch;
            this.scaler = scaler;
            this.random = new SplittableRandom(seed);
            this.x = new float[Math.multiplyExact(size, features)];
            this.labels = new int[size];
        }

        /** Fills the buffer from the input as far as it goes. */
        private void fill() {
            while (held < size && in.hasNext()) {
                Example e = in.next();
                e.copyTo(x, held * features, features);
                labels[held++] = e.label();
            }
        }

        @Override
        public boolean hasNext() {
            fill();
            return held > 0;
        }

        @Override
        public DataSet next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            int n = 0;
            float[] bx = new float[batch * features];
            float[] by = new float[batch * classes];
            for (; n < batch && hasNext(); n++) {
                int i = held == 1 ? 0 : random.nextInt(held);
                System.arraycopy(x, i * features, bx, n * features, features);
                by[n * classes + labels[i]] = 1f;
                int last = --held;
                if (i != last) {
                    System.arraycopy(x, last * features, x, i * features, features);
                    labels[i] = labels[last];
                }
            }
            if (n < batch) {
                bx = java.util.Arrays.copyOf(bx, n * features);
                by = java.util.Arrays.copyOf(by, n * classes);
            }
            if (scaler != null) {
                scaler.apply(bx, n);
            }
            return new DataSet(Nd4j.create(bx, new long[]{n, features}, DataType.FLOAT),
                    Nd4j.create(by, new long[]{n, classes}, DataType.FLOAT));
        }
    }
}
