package io.normdrop.data;

import org.apache.spark.Dependency;
import org.apache.spark.Partition;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import scala.Tuple2;
import scala.collection.JavaConverters;
import scala.collection.Seq;
import scala.reflect.ClassTag$;

import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * One partition per worker, each reading its slices of an indexed data set's partitions from the
 * files, slice after slice, keeping nothing: the streamed training data of one epoch.
 *
 * <p>A source RDD (no dependencies) on purpose: Spark refuses a barrier stage whose lineage holds
 * an RDD with another number of partitions (SPARK-24820), and the data set has many partitions
 * where the stage has one task per worker. The data set's RDD travels inside this one's
 * partitions and is computed in the task, as Spark computes any task's lineage; its partitions
 * and dependencies are resolved on the driver first, so that they are serialized with it.
 */
final class WorkerSlicesRDD extends RDD<Example> {
    private static final long serialVersionUID = 1L;

    /** Good examples {@code [from, to)} (global indices) of the data set's partition {@code partition}. */
    record Slice(int partition, long from, long to) implements Serializable {
        long size() {
            return to - from;
        }
    }

    /**
     * Worker {@code index}'s slices, in reading order, with the data set's partitions they read
     * (a partition is computed from its own object; an RDD's partition list is not shipped).
     */
    private static final class Share implements Partition {
        private static final long serialVersionUID = 1L;
        private final int index;
        private final Slice[] slices;
        private final Partition[] read;

        Share(int index, Slice[] slices, Partition[] read) {
            this.index = index;
            this.slices = slices;
            this.read = read;
        }

        @Override
        public int index() {
            return index;
        }

        @Override
        public int hashCode() {
            return index;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Share s && s.index == index;
        }
    }

    private final RDD<Tuple2<Long, Example>> data;
    private final String key;
    private final Slice[][] plan;

    /**
     * @param data the indexed data set (examples indexed in partition order, as {@link DataLoader} makes them)
     * @param key  the set's job key, for messages
     * @param plan each worker's slices, in reading order
     */
    @SuppressWarnings("unchecked")
    WorkerSlicesRDD(RDD<Tuple2<Long, Example>> data, String key, Slice[][] plan) {
        super(data.context(), (Seq<Dependency<?>>) (Seq<?>) JavaConverters.asScalaBuffer(new ArrayList<Dependency<?>>()).toList(),
                ClassTag$.MODULE$.apply(Example.class));
        this.data = data;
        this.key = key;
        this.plan = plan;
        resolve(data);
    }

    /** Resolves the partitions and dependencies of {@code rdd}'s lineage, as the scheduler does before it ships a task. */
    private static void resolve(RDD<?> rdd) {
        rdd.partitions();
        for (Dependency<?> d : JavaConverters.seqAsJavaList(rdd.dependencies())) {
            resolve(d.rdd());
        }
    }

    @Override
    public Partition[] getPartitions() {
        Partition[] parts = data.partitions();
        Partition[] out = new Partition[plan.length];
        for (int w = 0; w < plan.length; w++) {
            out[w] = new Share(w, plan[w], Arrays.stream(plan[w]).map(s -> parts[s.partition()]).toArray(Partition[]::new));
        }
        return out;
    }

    /** Where the worker's largest slice is (its files' blocks), when the data set knows. */
    @Override
    public Seq<String> getPreferredLocations(Partition split) {
        Slice[] slices = ((Share) split).slices;
        Slice largest = Arrays.stream(slices).max(java.util.Comparator.comparingLong(Slice::size)).orElse(null);
        if (largest == null) {
            return JavaConverters.asScalaBuffer(new ArrayList<String>()).toList();
        }
        return data.preferredLocations(data.partitions()[largest.partition()]);
    }

    @Override
    public scala.collection.Iterator<Example> compute(Partition split, TaskContext context) {
        Share share = (Share) split;
        Deque<Integer> slices = new ArrayDeque<>();
        for (int i = 0; i < share.slices.length; i++) {
            slices.add(i);
        }
        Iterator<Example> examples = new Iterator<>() {
            private scala.collection.Iterator<Tuple2<Long, Example>> in;
            private Slice slice;
            private Example next;

            @Override
            public boolean hasNext() {
                while (next == null) {
                    if (slice == null) {
                        if (slices.isEmpty()) {
                            return false;
                        }
                        int i = slices.poll();
                        slice = share.slices[i];
                        in = data.iterator(share.read[i], context);
                    }
                    long index = -1;
                    while (in.hasNext()) {
                        Tuple2<Long, Example> t = in.next();
                        index = t._1();
                        if (index >= slice.from()) {
                            next = t._2();
                            break;
                        }
                    }
                    if (next == null || index + 1 >= slice.to()) {
                        if (next == null && index + 1 < slice.to()) {
                            throw new DataException(key + ": partition " + slice.partition() + " of the data has fewer"
                                    + " good examples than when it was checked (it ended at example " + (index + 1)
                                    + ", expected " + slice.to() + "): the files changed while training");
                        }
                        // Read the partition to its end, which closes its reader: an open reader keeps its
                        // batch (Parquet: 4,096 rows) until the task ends, and this task lasts an epoch.
                        while (in.hasNext()) {
                            in.next();
                        }
                        slice = null;
                    }
                }
                return true;
            }

            @Override
            public Example next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Example e = next;
                next = null;
                return e;
            }
        };
        return JavaConverters.asScalaIteratorConverter(examples).asScala();
    }
}
