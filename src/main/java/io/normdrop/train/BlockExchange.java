package io.normdrop.train;

import org.apache.spark.BarrierTaskContext;
import org.apache.spark.RequestMethod$;
import org.apache.spark.RequestToSync;
import org.apache.spark.SparkEnv;
import org.apache.spark.network.buffer.ManagedBuffer;
import org.apache.spark.network.buffer.NioManagedBuffer;
import org.apache.spark.network.shuffle.BlockFetchingListener;
import org.apache.spark.rpc.RpcEndpointRef;
import org.apache.spark.rpc.RpcTimeout;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.BlockManagerId;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.storage.TestBlockId;
import org.apache.spark.util.RpcUtils;
import org.apache.spark.util.io.ChunkedByteBuffer;
import scala.Enumeration;
import scala.concurrent.Await;
import scala.concurrent.Future;
import scala.concurrent.duration.FiniteDuration;
import scala.reflect.ClassTag$;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
 *
 * <p>The synchronizations ask Spark's barrier coordinator directly, as
 * {@link BarrierTaskContext#barrier()} does, because that method checks for the coordinator's
 * answer only once a second (Spark 3.5): a second per synchronization, where a round of this
 * network trains in a quarter of one. Like it, a waiting task checks every second whether Spark
 * has killed it (a failed peer fails the stage).
 */
final class BlockExchange {
    /**
     * Serialized, in memory while there is room, on local disk when the memory store evicts it:
     * a block a peer has yet to read must not be lost (with memory alone, another put under
     * memory pressure drops it, the peer's fetch finds nothing, and every retry fails alike).
     */
    static final StorageLevel LEVEL = StorageLevel.MEMORY_AND_DISK_SER();
    private static final RpcTimeout NO_TIMEOUT = new RpcTimeout(FiniteDuration.apply(365, TimeUnit.DAYS),
            "spark.barrier.sync.timeout");
    private static final FiniteDuration KILL_CHECK = FiniteDuration.apply(1, TimeUnit.SECONDS);

    private final BarrierTaskContext ctx;
    private final BlockManager blocks;
    private final RpcEndpointRef coordinator;
    private final String tag;
    private final long fetchTimeoutNanos;
    private final int me;
    private final String[] executors;
    private final String[] hosts;
    private final int[] ports;
    /** This task's blocks of the previous round, removed once every task has finished it; then of this round. */
    private List<BlockId> previous = new ArrayList<>();
    private List<BlockId> current = new ArrayList<>();
    /** Blocks of {@link #share}, removed when the exchange finishes. */
    private final List<BlockId> shared = new ArrayList<>();
    private int syncs;
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
        this.ctx = ctx;
        SparkEnv env = SparkEnv.get();
        this.blocks = env.blockManager();
        this.coordinator = RpcUtils.makeDriverRef("barrierSync", env.conf(), env.rpcEnv());
        this.tag = tag;
        this.fetchTimeoutNanos = TimeUnit.SECONDS.toNanos(env.conf().getTimeAsSeconds("spark.network.timeout", "120s"));
        this.me = ctx.partitionId();
        BlockManagerId self = blocks.blockManagerId();
        String[] all = sync(self.executorId() + "\t" + self.host() + "\t" + self.port(), RequestMethod$.MODULE$.ALL_GATHER());
        executors = new String[all.length];
        hosts = new String[all.length];
        ports = new int[all.length];
        for (int i = 0; i < all.length; i++) {
            String[] f = all[i].split("\t");
            executors[i] = f[0];
            hosts[i] = f[1];
            ports[i] = Integer.parseInt(f[2]);
        }
        buffers = new ByteBuffer[2][all.length];
        // A failed or killed task leaves nothing behind in its block manager.
        ctx.addTaskCompletionListener(c -> {
            removeAll(previous);
            removeAll(current);
            removeAll(shared);
        });
    }

    /** Every task's {@code message}, by task (one all-gather). */
    String[] allGather(String message) {
        return sync(message, RequestMethod$.MODULE$.ALL_GATHER());
    }

    /** Whether no task before this one runs on its executor (the executor's first task). */
    boolean firstOnExecutor() {
        for (int j = 0; j < me; j++) {
            if (executors[j].equals(executors[me])) {
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
            store(id, ByteBuffer.wrap(bytes));
            shared.add(id);
        }
        if (tasks() > 1) {
            sync();
        }
        if (me == from) {
            return bytes;
        }
        return bytes(from, id);
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
                store(id, ByteBuffer.wrap(out[j]));
                shared.add(id);
            }
        }
        if (n > 1) {
            sync();
        }
        byte[][] in = new byte[n][];
        for (int i = 0; i < n; i++) {
            in[i] = i == me ? out[me] : bytes(i, new TestBlockId("normdrop_" + tag + "_all_" + name + "_" + me + "_" + i));
        }
        return in;
    }

    /** Task {@code task}'s block {@code id}, whole. */
    private byte[] bytes(int task, BlockId id) {
        ManagedBuffer buffer = buffer(task, id);
        try {
            ByteBuffer b = buffer.nioByteBuffer();
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("reading block " + id.name() + " of executor " + executors[task], e);
        } finally {
            buffer.release();
        }
    }

    /** Tasks taking part. */
    int tasks() {
        return executors.length;
    }

    /** Barrier synchronizations (and all-gathers) so far: each is one small message to the driver per task. */
    int syncs() {
        return syncs;
    }

    /** Replaces {@code v} with the mean over all tasks of their {@code v}; see {@link #mean(float[], int, int, int, ParamLayout, WorkerMean.Drift)}. */
    void mean(float[] v, int round) {
        mean(v, 0, v.length, round, null, null);
    }

    /**
     * Replaces {@code v[offset, offset + length)} with its mean over all tasks (every task calls
     * this with the same range, once per round), computed by {@link WorkerMean} as the driver
     * averages {@link ResidentAveraging}'s results; adds the drift of the parameters in this
     * task's slice to {@code drift} (null: not measured).
     *
     * @param layout where the parameters are in {@code v} (from index 0); null with {@code drift}
     */
    void mean(float[] v, int offset, int length, int round, ParamLayout layout, WorkerMean.Drift drift) {
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
        removeAll(previous);

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
                fetch(j, block(round, "part", me, j), parts[j], 0);
            }
        }
        WorkerMean.mean(parts, a, b, v, layout, drift);
        put(block(round, "mean", me, me), v, a, b, round);
        sync();
        for (int j = 0; j < n; j++) {
            if (j != me) {
                fetch(j, block(round, "mean", j, j), v, offset + from(j, length));
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
        removeAll(previous);
        removeAll(current);
        removeAll(shared);
    }

    private void sync() {
        sync("", RequestMethod$.MODULE$.BARRIER());
    }

    /** One synchronization of all tasks (the {@code syncs}-th of this stage attempt); every task's message. */
    private String[] sync(String message, Enumeration.Value method) {
        RequestToSync request = RequestToSync.apply(ctx.numPartitions(), ctx.stageId(), ctx.stageAttemptNumber(),
                ctx.taskAttemptId(), syncs, ctx.partitionId(), message, method);
        Future<String[]> answer = coordinator.ask(request, NO_TIMEOUT, ClassTag$.MODULE$.apply(String[].class));
        while (true) {
            try {
                String[] messages = Await.result(answer, KILL_CHECK);
                syncs++;
                return messages;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ctx.killTaskIfInterrupted();
                throw new IllegalStateException("interrupted while synchronizing the workers", e);
            } catch (Exception e) {
                if (!(e instanceof TimeoutException)) {
                    throw new IllegalStateException("synchronizing the workers failed: " + e.getMessage(), e);
                }
                ctx.killTaskIfInterrupted();
            }
        }
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
        store(id, bytes);
        current.add(id);
    }

    /** Stores {@code bytes} as block {@code id} in this executor's block manager, not reported to the driver. */
    private void store(BlockId id, ByteBuffer bytes) {
        if (!blocks.putBytes(id, new ChunkedByteBuffer(bytes), LEVEL, false, ClassTag$.MODULE$.apply(byte[].class))) {
            throw new IllegalStateException("the block manager of executor " + executors[me] + " refused block "
                    + id.name() + " (" + bytes.remaining() + " bytes): out of storage memory?");
        }
    }

    /** Reads task {@code task}'s block {@code id} into {@code out} from {@code offset}. */
    private void fetch(int task, BlockId id, float[] out, int offset) {
        ManagedBuffer buffer = buffer(task, id);
        try {
            ByteBuffer bytes = buffer.nioByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().get(out, offset, bytes.remaining() / Float.BYTES);
        } catch (IOException e) {
            throw new UncheckedIOException("reading averaging block " + id.name() + " of executor " + executors[task], e);
        } finally {
            buffer.release();
        }
    }

    /**
     * Task {@code task}'s block {@code id}, local or fetched. A fetch is waited for a second at a
     * time, checking whether Spark killed this task (a failed peer fails the stage; Spark marks a
     * barrier task killed without interrupting it), so a task whose peer died does not hold its
     * slot through the transport's retries; at most {@code spark.network.timeout}.
     */
    private ManagedBuffer buffer(int task, BlockId id) {
        if (executors[task].equals(executors[me])) {
            return blocks.getLocalBlockData(id);
        }
        CompletableFuture<ManagedBuffer> fetched = new CompletableFuture<>();
        blocks.blockTransferService().fetchBlocks(hosts[task], ports[task], executors[task], new String[]{id.name()},
                new BlockFetchingListener() {
                    @Override
                    public void onBlockFetchSuccess(String blockId, ManagedBuffer data) {
                        // The transport releases data after this call: keep a copy, as fetchBlockSync does.
                        try {
                            ByteBuffer copy = ByteBuffer.allocate((int) data.size());
                            copy.put(data.nioByteBuffer()).flip();
                            fetched.complete(new NioManagedBuffer(copy));
                        } catch (IOException | RuntimeException e) {
                            fetched.completeExceptionally(e);
                        }
                    }

                    @Override
                    public void onBlockFetchFailure(String blockId, Throwable e) {
                        fetched.completeExceptionally(e);
                    }
                }, null);
        long deadline = System.nanoTime() + fetchTimeoutNanos;
        while (true) {
            try {
                return fetched.get(1, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                ctx.killTaskIfInterrupted();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no block " + id.name() + " from executor " + executors[task] + " in "
                            + TimeUnit.NANOSECONDS.toSeconds(fetchTimeoutNanos) + " s (spark.network.timeout)");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ctx.killTaskIfInterrupted();
                throw new IllegalStateException("interrupted while fetching block " + id.name(), e);
            } catch (ExecutionException e) {
                ctx.killTaskIfInterrupted();
                throw new UncheckedIOException("fetching block " + id.name() + " from executor " + executors[task]
                        + " failed: " + e.getCause().getMessage(), new IOException(e.getCause()));
            }
        }
    }

    private void removeAll(List<BlockId> ids) {
        for (BlockId id : ids) {
            blocks.removeBlock(id, false);
        }
        ids.clear();
    }
}
