package io.normdrop.train;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where an allreduce epoch continues when Spark retries its barrier stage (an executor was lost,
 * a task failed): after the last average its workers completed, not from the epoch's start.
 *
 * <p>After every round each executor JVM keeps the round's average (one copy per executor, made
 * by its first task) and every worker's own progress (its per-round metrics and iteration count)
 * in memory. A retried attempt's tasks learn from each other (one all-gather) which executor
 * holds the latest average; that one shares it and its worker's progress through the block
 * managers; every worker loads the average, takes its own progress if its executor kept it (the
 * donor's otherwise), and skips the minibatches those rounds trained: every epoch's minibatches
 * are the same for the same seed, whichever attempt reads them. Only an executor that survived
 * holds anything; when none did, the epoch starts over. With {@code updaterState = local} each
 * worker's updater state is its own and not kept, so a retried epoch starts over.
 */
final class RoundRecovery {
    /** An executor's latest average of a run's epoch: after round {@code round} (0-based), the first {@code length} values. */
    private static final class Average {
        volatile int round = -1;
        float[] state;
        int length;
    }

    /** What one worker has done in an epoch's attempt: the arrays its task fills, valid up to {@code round}. */
    static final class Progress implements Serializable {
        private static final long serialVersionUID = 1L;
        volatile int round = -1;
        int iterationCount;
        final double[] lossSums;
        final int[] minibatches;
        final long[] examples;
        final long[] fitNanos;
        final long[] readNanos;
        final long[] exchangeNanos;
        final DriftSums[] drift;

        Progress(int rounds) {
            lossSums = new double[rounds];
            minibatches = new int[rounds];
            examples = new long[rounds];
            fitNanos = new long[rounds];
            readNanos = new long[rounds];
            exchangeNanos = new long[rounds];
            drift = new DriftSums[rounds];
        }

        /** This progress without its drift sums (the driver gets those as {@link DriftSums.PerWorker}). */
        Progress withoutDrift() {
            return new Progress(lossSums, minibatches, examples, fitNanos, readNanos, exchangeNanos,
                    new DriftSums[0], round, iterationCount);
        }

        private Progress(double[] lossSums, int[] minibatches, long[] examples, long[] fitNanos, long[] readNanos,
                         long[] exchangeNanos, DriftSums[] drift, int round, int iterationCount) {
            this.lossSums = lossSums;
            this.minibatches = minibatches;
            this.examples = examples;
            this.fitNanos = fitNanos;
            this.readNanos = readNanos;
            this.exchangeNanos = exchangeNanos;
            this.drift = drift;
            this.round = round;
            this.iterationCount = iterationCount;
        }

        /** Copies rounds 0..round of {@code from} into this one. */
        void restore(Progress from, int round) {
            System.arraycopy(from.lossSums, 0, lossSums, 0, round + 1);
            System.arraycopy(from.minibatches, 0, minibatches, 0, round + 1);
            System.arraycopy(from.examples, 0, examples, 0, round + 1);
            System.arraycopy(from.fitNanos, 0, fitNanos, 0, round + 1);
            System.arraycopy(from.readNanos, 0, readNanos, 0, round + 1);
            System.arraycopy(from.exchangeNanos, 0, exchangeNanos, 0, round + 1);
            System.arraycopy(from.drift, 0, drift, 0, round + 1);
            iterationCount = from.iterationCount;
            this.round = round;
        }
    }

    private static final Map<String, Average> AVERAGES = new ConcurrentHashMap<>();
    private static final Map<String, Progress> PROGRESS = new ConcurrentHashMap<>();

    private RoundRecovery() {
    }

    private static String key(String run, int epoch) {
        return run + "/" + epoch;
    }

    /** Registers {@code progress} as {@code worker}'s in this attempt of the epoch, for a later attempt. */
    static void register(String run, int epoch, int worker, Progress progress) {
        PROGRESS.put(key(run, epoch) + "/" + worker, progress);
    }

    /**
     * Keeps the average after round {@code round}, {@code v[0, length)}, when {@code keeper} (the
     * executor's first task; the others only mark their progress). {@code v} is kept, not
     * copied: the task leaves it alone until its next round has completed and replaced it here
     * ({@link StateVector} alternates two vectors), and a round completes only
     * with every worker, so a task of a failed attempt cannot complete another one.
     */
    static void completed(String run, int epoch, int round, float[] v, int length, boolean keeper, Progress progress,
                          int iterationCount) {
        progress.iterationCount = iterationCount;
        progress.round = round;
        if (keeper) {
            Average a = AVERAGES.computeIfAbsent(key(run, epoch), k -> new Average());
            synchronized (a) {
                a.state = v;
                a.length = length;
                a.round = round;
            }
        }
    }

    /** Releases the kept averages of {@code run}'s epochs before {@code epoch}: an epoch that ended is never retried. */
    static void releaseBefore(String run, int epoch) {
        AVERAGES.keySet().removeIf(k -> before(k, run, epoch));
        PROGRESS.keySet().removeIf(k -> before(k, run, epoch));
    }

    /** Releases everything kept of {@code run} (its training ended). */
    static void release(String run) {
        releaseBefore(run, Integer.MAX_VALUE);
    }

    private static boolean before(String key, String run, int epoch) {
        if (!key.startsWith(run + "/")) {
            return false;
        }
        String rest = key.substring(run.length() + 1);
        int slash = rest.indexOf('/');
        return Integer.parseInt(slash < 0 ? rest : rest.substring(0, slash)) < epoch;
    }

    /**
     * In a retried attempt: the latest average any executor kept, loaded into {@code v[0, length)},
     * and {@code progress} restored up to it. Every task of the attempt calls this together.
     *
     * @return the round the attempt continues after (0-based), or -1 to start the epoch over
     */
    static int resume(String run, int epoch, int worker, BlockExchange exchange, float[] v, Progress progress) {
        Average mine = AVERAGES.get(key(run, epoch));
        int held;
        byte[] kept = null;
        synchronized (mine == null ? RoundRecovery.class : mine) {
            held = mine == null ? -1 : mine.round;
            if (held >= 0) {
                kept = bytes(mine.state, mine.length);
            }
        }
        String[] all = exchange.allGather(Integer.toString(held));
        int best = Arrays.stream(all).mapToInt(Integer::parseInt).max().orElse(-1);
        Progress own = PROGRESS.get(key(run, epoch) + "/" + worker);
        register(run, epoch, worker, progress);
        if (best < 0) {
            return -1;
        }
        int donor = Arrays.asList(all).indexOf(Integer.toString(best));
        boolean giving = donor == worker;
        byte[] average = exchange.share(donor, giving ? kept : null, "average");
        // The donor's executor kept the progress of its own worker there, which may be another than the donor's.
        Progress donated = !giving ? null : own != null && own.round >= best ? own
                : PROGRESS.entrySet().stream().filter(e -> e.getKey().startsWith(key(run, epoch) + "/")
                        && e.getValue() != progress && e.getValue().round >= best).map(Map.Entry::getValue).findFirst()
                .orElseThrow(() -> new IllegalStateException("an average without its round's progress"));
        byte[] given = exchange.share(donor, giving ? serialize(donated) : null, "progress");
        ByteBuffer b = ByteBuffer.wrap(average).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().get(v, 0, average.length / Float.BYTES);
        // This worker's own progress if its executor kept it through that round, else the donor's.
        progress.restore(own != null && own.round >= best ? own : deserialize(given), best);
        return best;
    }

    private static byte[] bytes(float[] v, int length) {
        ByteBuffer b = ByteBuffer.allocate(length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v, 0, length);
        return b.array();
    }

    private static byte[] serialize(Progress p) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(out)) {
            o.writeObject(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static Progress deserialize(byte[] bytes) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return (Progress) in.readObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
