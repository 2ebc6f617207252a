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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The epoch of the {@code resident} and {@code parameter-averaging} masters: the epoch's
 * partitions cut into averaging rounds, {@code workers} partitions a round, each round a Spark job.
 */
final class RoundByRound {
    private final TrainingConfig training;
    private final int workers;

    RoundByRound(TrainingConfig training, int workers) {
        this.training = training;
        this.workers = workers;
    }

    /**
     * Trains one epoch round by round, each round a Spark job ({@code resident} and
     * {@code parameter-averaging} masters), reporting every round as it ends.
     */
    List<RoundMetrics> epoch(Averaging averaging, JavaRDD<DataSet> batches, int epoch,
                                            long[] partitionExamples, long trainExamples, MetricsSink sink) {
        boolean direct = training.approach() == TrainingApproach.DIRECT;
        List<Set<Integer>> rounds = direct ? rounds(partitionExamples.length) : List.of(Set.of());
        List<RoundMetrics> out = new ArrayList<>();
        for (int r = 0; r < rounds.size(); r++) {
            Set<Integer> ids = rounds.get(r);
            Averaging.Round round = averaging.fit(direct ? prune(batches, ids) : batches);
            long examples = direct ? ids.stream().mapToLong(i -> partitionExamples[i]).sum() : trainExamples;
            RoundMetrics m = new RoundMetrics(epoch, r + 1, round.wallSeconds(), round.loss(), examples, round.time(),
                    round.averaging());
            sink.round(m);
            out.add(m);
            if (!Double.isFinite(round.loss())) {
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
    int partitions(long examples) {
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
    List<Set<Integer>> rounds(int partitions) {
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
