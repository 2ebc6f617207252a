package io.normdrop.train;

import io.normdrop.config.TrainingApproach;
import io.normdrop.config.TrainingConfig;
import io.normdrop.metrics.MetricsSink;
import io.normdrop.metrics.RoundMetrics;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.PartitionPruningRDD;
import org.nd4j.linalg.dataset.DataSet;
import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The epoch of the {@code resident} and {@code parameter-averaging} masters: the epoch's
 * partitions cut into averaging rounds, {@code workers} partitions a round, each round a Spark job
 * that a subclass runs ({@link #round}); every round is reported as it ends.
 */
abstract class RoundByRound implements Averaging {
    private final TrainingConfig training;
    private final int workers;
    private final long[] partitionExamples;
    private final long trainExamples;

    /**
     * @param partitionExamples examples in each partition of every epoch
     */
    RoundByRound(TrainingConfig training, int workers, long[] partitionExamples) {
        this.training = training;
        this.workers = workers;
        this.partitionExamples = partitionExamples.clone();
        this.trainExamples = Arrays.stream(partitionExamples).sum();
    }

    /**
     * Trains one round: every partition of {@code data} is one worker's share; leaves the average
     * in the driver network.
     *
     * @param examples the round's training examples
     */
    protected abstract RoundMetrics round(JavaRDD<DataSet> data, int epoch, int round, long examples);

    /** Round checkpoints are the allreduce master's: an epoch here always trains from its start. */
    @Override
    public final List<RoundMetrics> epoch(int epoch, JavaRDD<DataSet> batches, Optional<RoundContinuation> within,
                                          MetricsSink sink) {
        boolean direct = training.approach() == TrainingApproach.DIRECT;
        List<Set<Integer>> rounds = direct ? rounds(partitionExamples.length, workers) : List.of(Set.of());
        List<RoundMetrics> out = new ArrayList<>();
        for (int r = 0; r < rounds.size(); r++) {
            Set<Integer> ids = rounds.get(r);
            long examples = direct ? ids.stream().mapToLong(i -> partitionExamples[i]).sum() : trainExamples;
            RoundMetrics m = round(direct ? prune(batches, ids) : batches, epoch, r + 1, examples);
            sink.round(m);
            out.add(m);
            if (!Double.isFinite(m.score())) {
                break;
            }
        }
        return out;
    }

    /**
     * Partitions of each epoch's training data. With the direct approach each partition is one
     * worker's share of one averaging round (about {@code batchSizePerWorker x averagingPeriod}
     * examples), and there are {@code workers} of them per round, so every round keeps every
     * worker busy; with export, one per worker (dl4j-spark splits them into rounds itself).
     */
    static int partitions(TrainingConfig training, int workers, long examples) {
        if (training.approach() == TrainingApproach.EXPORT) {
            return workers;
        }
        long perRound = (long) workers * training.batchSizePerWorker() * training.averagingPeriod();
        long rounds = Math.max(1, (examples + perRound - 1) / perRound);
        return (int) Math.min(rounds * workers, Math.max(1, examples));
    }

    /**
     * The averaging rounds of an epoch for the direct approach: its partitions, {@code workers} at
     * a time, in order (the data is shuffled per epoch before it is cut into partitions). Each
     * round is a pruned view of the epoch's RDD, so a round computes only its own partitions.
     * (dl4j-spark's own direct approach cuts rounds with a random split, which reads the whole
     * RDD once per round: quadratic in the data size, and its splits can leave a worker nearly
     * idle.)
     */
    static List<Set<Integer>> rounds(int partitions, int workers) {
        List<Set<Integer>> rounds = new ArrayList<>();
        for (int r = 0; r < partitions; r += workers) {
            rounds.add(new HashSet<>(IntStream.range(r, Math.min(partitions, r + workers)).boxed().toList()));
        }
        return rounds;
    }

    /** The partitions {@code ids} of {@code train}, as an RDD that computes only those. */
    static JavaRDD<DataSet> prune(JavaRDD<DataSet> train, Set<Integer> ids) {
        return new JavaRDD<>(PartitionPruningRDD.create(train.rdd(), new InSet(ids)), train.classTag());
    }

    /** Keeps the partitions whose index is in a set; serializable, as Spark ships the RDD. */
    private static final class InSet extends AbstractFunction1<Object, Object> implements Serializable {
        private final Set<Integer> ids;

        InSet(Set<Integer> ids) {
            this.ids = ids;
        }

        @Override
        public Object apply(Object index) {
            return ids.contains((Integer) index);
        }
    }
}
