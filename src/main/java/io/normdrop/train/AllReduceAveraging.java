package io.normdrop.train;

import io.normdrop.config.TrainingConfig;
import io.normdrop.metrics.EpochRetry;
import io.normdrop.metrics.MetricsSink;
import io.normdrop.metrics.RoundMetrics;
import io.normdrop.metrics.TimeBreakdown;
import io.normdrop.train.AllReduceTask.WorkerEpoch;
import org.apache.spark.api.java.JavaRDD;
import org.nd4j.linalg.dataset.DataSet;
import scala.reflect.ClassTag$;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Parameter averaging done by the workers among themselves: one Spark barrier stage per epoch,
 * whose tasks (one per worker, all running at once) each fit their shard's minibatches
 * {@code period} at a time (the epoch's averaging period) and, after each such round, replace
 * their parameters and (by {@code training.averaging.updaterState}) updater state with the mean
 * over all workers, exchanged through the executors' block managers ({@link BlockExchange}),
 * measuring as they average how far apart they were ({@link DriftSums}). The driver broadcasts
 * the parameters once per epoch and receives one
 * copy back (the first worker's; after the last round all workers hold the same average), so
 * what it receives does not grow with the workers. A failed or killed task fails the epoch's
 * stage, which Spark retries whole ({@code spark.stage.maxConsecutiveAttempts}) from the
 * parameters at the start of the epoch.
 */
final class AllReduceAveraging implements Averaging {
    private final ResidentRun run;
    private final TrainingConfig training;
    private final long[] shardExamples;
    private final int prefetch;
    private final RoundCheckpoints checkpoints;

    /**
     * @param run           the driver's side of the run; closed with this averaging
     * @param shardExamples examples in each worker's shard of every epoch
     * @param prefetch      minibatch DataSets each worker reads ahead on a thread of its own; 0: none
     * @param checkpoints   where the workers checkpoint inside an epoch, and how often
     */
    AllReduceAveraging(ResidentRun run, TrainingConfig training, long[] shardExamples, int prefetch,
                       RoundCheckpoints checkpoints) {
        this.run = run;
        this.training = training;
        this.shardExamples = shardExamples.clone();
        this.prefetch = prefetch;
        this.checkpoints = checkpoints;
    }

    /**
     * Rounds of epoch {@code epoch}: those of the worker with the most minibatches, at the epoch's
     * averaging period (a worker whose minibatches run out earlier still takes part in the averaging).
     */
    static int rounds(TrainingConfig training, long[] shardExamples, int epoch) {
        long most = Arrays.stream(shardExamples).max().orElse(0);
        long minibatches = (most + training.batchSizePerWorker() - 1) / training.batchSizePerWorker();
        int period = training.averagingPeriod(epoch);
        return (int) Math.max(1, (minibatches + period - 1) / period);
    }

    /**
     * Trains one epoch in one barrier stage: partition {@code w} of {@code shards} is worker
     * {@code w}'s minibatches; leaves the average in the driver network and reports the epoch's
     * rounds (the first carries the stage's fixed costs: broadcast, task launch, results) and a
     * retry of its stage.
     */
    @Override
    public List<RoundMetrics> epoch(int epoch, JavaRDD<DataSet> shards, Optional<RoundContinuation> within,
                                    MetricsSink sink) {
        long start = System.nanoTime();
        int rounds = rounds(training, shardExamples, epoch);
        ResidentRun.Shipped shipped = run.ship();
        AllReduceTask task = new AllReduceTask(run.id, epoch, shipped.snapshot(), run.batchSize,
                training.averagingPeriod(epoch), rounds, run.threadsPerWorker, run.updaterState, run.layout, prefetch,
                checkpoints, within.orElse(null));
        // The barrier stage writes its results to a shuffle: Spark retries a failed barrier stage
        // whole only when it is a shuffle map stage (a failed barrier result stage aborts the job).
        List<WorkerEpoch> results = new ArrayList<>(shards.rdd().barrier()
                .mapPartitions(task, false, ClassTag$.MODULE$.apply(WorkerEpoch.class)).toJavaRDD()
                .repartition(1).collect());
        shipped.snapshot().unpersist(false);
        results.sort(Comparator.comparingInt(r -> r.worker));
        WorkerEpoch first = results.get(0);
        if (first.attempt > 0) {
            sink.retried(new EpochRetry(epoch, first.attempt + 1, first.resumedAfter + 1, rounds));
        }
        run.load(first.params, first.updaterState, results.stream().mapToInt(r -> r.iterationCount).max().orElseThrow());
        double wall = (System.nanoTime() - start) / 1e9;
        List<RoundMetrics> out = roundMetrics(epoch, results, rounds, wall, shipped.seconds(), run.timed, run.layout);
        out.forEach(sink::round);
        return out;
    }

    /**
     * The epoch as rounds: each round's wall time is its slowest worker's fit and exchange, its
     * parts the workers' means; the first round also carries the broadcast and what the stage
     * spent outside the rounds (launching the tasks, loading the parameters, returning results).
     * Its averaging statistics add up the workers' drift sums.
     */
    private static List<RoundMetrics> roundMetrics(int epoch, List<WorkerEpoch> results, int rounds, double wall,
                                                   double broadcast, boolean timed, ParamLayout layout) {
        List<RoundMetrics> out = new ArrayList<>();
        double inRounds = 0;
        double[] walls = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            for (WorkerEpoch w : results) {
                RoundRecovery.Progress p = w.progress;
                walls[r] = Math.max(walls[r], (p.fitNanos[r] + p.readNanos[r] + p.exchangeNanos[r]) / 1e9);
            }
            inRounds += walls[r];
        }
        int n = results.size();
        for (int r = 0; r < rounds; r++) {
            double loss = 0;
            int minibatches = 0;
            long examples = 0;
            double fit = 0;
            double read = 0;
            double exchange = 0;
            for (WorkerEpoch w : results) {
                loss += w.progress.lossSums[r];
                minibatches += w.progress.minibatches[r];
                examples += w.progress.examples[r];
                fit += w.progress.fitNanos[r] / 1e9 / n;
                read += w.progress.readNanos[r] / 1e9 / n;
                exchange += w.progress.exchangeNanos[r] / 1e9 / n;
            }
            double roundWall = walls[r] + (r == 0 ? Math.max(0, wall - inRounds) : 0);
            TimeBreakdown time = new TimeBreakdown(r == 0 ? broadcast : 0, fit, exchange, read, 0, 0).within(roundWall);
            DriftSums drift = new DriftSums(n, layout);
            double[] losses = new double[n];
            long[] fitNanos = new long[n];
            String[] executors = new String[n];
            for (int j = 0; j < n; j++) {
                WorkerEpoch w = results.get(j);
                drift.add(j, w.drift, r);
                losses[j] = w.progress.minibatches[r] == 0 ? Double.NaN : w.progress.lossSums[r] / w.progress.minibatches[r];
                fitNanos[j] = w.progress.fitNanos[r];
                executors[j] = w.executor;
            }
            out.add(new RoundMetrics(epoch, r + 1, roundWall, minibatches == 0 ? Double.NaN : loss / minibatches, examples,
                    timed ? Optional.of(time) : Optional.empty(), Optional.of(drift.stats(losses, fitNanos, executors))));
        }
        return out;
    }

    @Override
    public int iterationCount() {
        return run.iterationCount();
    }

    @Override
    public void close() {
        run.close();
    }
}
