package io.normdrop.train;

import org.apache.spark.BarrierTaskContext;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.TestBlockId;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The mean of one float vector per task of a barrier stage, computed by the tasks themselves
 * through Spark's block managers (reduce-scatter, then all-gather, as in ring all-reduce): the
 * vector is cut into one slice per task; each task puts the slices it does not own into its
 * executor's block manager, fetches its own slice from every other task, averages it and puts
 * the mean, then fetches the other tasks' means. Each task sends and receives about twice the
 * vector per round, however many tasks there are, and the driver sees none of it: only the
 * synchronizations (two per round, one small message per task each) go through Spark's barrier
 * coordinator on the driver. The blocks travel over Spark's block transfer service, on Spark's
 * own port, authenticated and encrypted when {@code spark.authenticate} and
 * {@code spark.network.crypto.enabled} are on; they are never reported to the driver and are
 * removed once every task has read them.
 * The synchronizations go through {@link BarrierSync}, the blocks through {@link PeerBlocks}.
 */
final class BlockExchange {
    private final BarrierSync barrier;
    private final PeerBlocks peers;
    private final String tag;
    private final int me;
    /** This task's blocks of the previous round, removed once every task has finished it; then of this round. */
    private List<BlockId> previous = new ArrayList<>();
    private List<BlockId> current = new ArrayList<>();
    /** Blocks of {@link #share}, removed when the exchange finishes. */
    private final List<BlockId> shared = new ArrayList<>();
    /** Buffers of the blocks put in even and odd rounds, by put order within the round. */
    private final ByteBuffer[][] buffers;
    /** This task's slice of every task's vector, reused across rounds. */
    private float[][] parts;

    /**
     * Learns where the other tasks' block managers are (one {@code allGather}).
     *
     * @param tag names this exchange's blocks: unique per training run, epoch and stage attempt
     */
    BlockExchange(BarrierTaskContext ctx, String tag) {
        this.barrier = new BarrierSync(ctx);
        this.peers = new PeerBlocks(ctx, barrier.allGather(PeerBlocks.self()));
        this.tag = tag;
        this.me = ctx.partitionId();
        buffers = new ByteBuffer[2][peers.tasks()];
        // A failed or killed task leaves nothing behind in its block manager.
        ctx.addTaskCompletionListener(c -> {
            peers.removeAll(previous);
            peers.removeAll(current);
            peers.removeAll(shared);
        });
    }

    /** Every task's {@code message}, by task (one all-gather). */
    String[] allGather(String message) {
        return barrier.allGather(message);
    }

    /** Whether no task before this one runs on its executor (the executor's first task). */
    boolean firstOnExecutor() {
        for (int j = 0; j < me; j++) {
            if (peers.executor(j).equals(peers.executor(me))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Task {@code from}'s bytes, as every task gets them: {@code from} passes its bytes, the others
     * null; every task calls this together (one synchronization).
     */
    byte[] share(int from, byte[] bytes, String name) {
        BlockId id = new TestBlockId("normdrop_" + tag + "_share_" + name + "_" + from);
        if (me == from) {
            peers.store(id, ByteBuffer.wrap(bytes));
            shared.add(id);
        }
        if (tasks() > 1) {
            sync();
        }
        if (me == from) {
            return bytes;
        }
        return peers.bytes(from, id);
    }

    /**
     * Each task passes {@code out[j]}, its bytes for task {@code j}, and gets {@code in[i]}, task
     * {@code i}'s bytes for it; every task calls this together (one synchronization).
     */
    byte[][] allToAll(byte[][] out, String name) {
        int n = tasks();
        for (int j = 0; j < n; j++) {
            if (j != me) {
                BlockId id = new TestBlockId("normdrop_" + tag + "_all_" + name + "_" + j + "_" + me);
                peers.store(id, ByteBuffer.wrap(out[j]));
                shared.add(id);
            }
        }
        if (n > 1) {
            sync();
        }
        byte[][] in = new byte[n][];
        for (int i = 0; i < n; i++) {
            in[i] = i == me ? out[me] : peers.bytes(i, new TestBlockId("normdrop_" + tag + "_all_" + name + "_" + me + "_" + i));
        }
        return in;
    }

    /** Tasks taking part. */
    int tasks() {
        return peers.tasks();
    }

    /** Barrier synchronizations (and all-gathers) so far: each is one small message to the driver per task. */
    int syncs() {
        return barrier.count();
    }

    /** Replaces {@code v} with the mean over all tasks of their {@code v}; see {@link #mean(float[], int, int, int, DriftSums)}. */
    void mean(float[] v, int round) {
        mean(v, 0, v.length, round, DriftSums.NONE);
    }

    /**
     * Replaces {@code v[offset, offset + length)} with its mean over all tasks (every task calls
     * this with the same range, once per round), computed by {@link VectorMean} as the driver
     * averages {@link ResidentAveraging}'s results; adds the drift of the parameters in this
     * task's slice to {@code drift} ({@link DriftSums#NONE}: not measured; the parameters are
     * at the start of {@code v}, as laid out by the sums' {@link ParamLayout}).
     */
    void mean(float[] v, int offset, int length, int round, DriftSums drift) {
        int n = tasks();
        if (n == 1) {
            return;
        }
        for (int j = 0; j < n; j++) {
            if (j != me) {
                put(block(round, "part", j, me), v, offset + from(j, length), offset + from(j + 1, length), round);
            }
        }
        sync();
        // Every task has finished the previous round: its blocks are no longer read.
        peers.removeAll(previous);

        int a = offset + from(me, length);
        int b = offset + from(me + 1, length);
        if (parts == null || parts.length != n) {
            parts = new float[n][];
        }
        for (int j = 0; j < n; j++) {
            if (parts[j] == null || parts[j].length < b - a) {
                parts[j] = new float[b - a];
            }
            if (j == me) {
                System.arraycopy(v, a, parts[j], 0, b - a);
            } else {
                peers.fetch(j, block(round, "part", me, j), parts[j], 0);
            }
        }
        VectorMean.of(parts, a, b, v, drift);
        put(block(round, "mean", me, me), v, a, b, round);
        sync();
        for (int j = 0; j < n; j++) {
            if (j != me) {
                peers.fetch(j, block(round, "mean", j, j), v, offset + from(j, length));
            }
        }
        List<BlockId> done = previous;
        previous = current;
        current = done;
    }

    /** Waits until every task is done reading, then removes this task's blocks. */
    void finish() {
        if (tasks() > 1) {
            sync();
        }
        peers.removeAll(previous);
        peers.removeAll(current);
        peers.removeAll(shared);
    }

    private void sync() {
        barrier.barrier();
    }

    /** First index of slice {@code j} of a range of {@code length}, relative to the range. */
    private int from(int j, int length) {
        return (int) ((long) j * length / tasks());
    }

    /** Slice {@code slice} as put by task {@code from}, in round {@code round}. */
    private BlockId block(int round, String kind, int slice, int from) {
        return new TestBlockId("normdrop_" + tag + "_" + round + "_" + kind + "_" + slice + "_" + from);
    }

    /**
     * Puts {@code v[a, b)} as block {@code id}, in a buffer reused two rounds later (when every
     * task has read the block and it has been removed).
     */
    private void put(BlockId id, float[] v, int a, int b, int round) {
        ByteBuffer[] mine = buffers[round % 2];
        int k = current.size();
        if (mine[k] == null || mine[k].capacity() < (b - a) * Float.BYTES) {
            mine[k] = ByteBuffer.allocate((b - a) * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        }
        ByteBuffer bytes = mine[k].clear().limit((b - a) * Float.BYTES);
        bytes.asFloatBuffer().put(v, a, b - a);
        peers.store(id, bytes);
        current.add(id);
    }
}
