package io.normdrop.train;

import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.network.buffer.ManagedBuffer;
import org.apache.spark.network.buffer.NioManagedBuffer;
import org.apache.spark.network.shuffle.BlockFetchingListener;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.io.ChunkedByteBuffer;
import scala.reflect.ClassTag$;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The block managers of a barrier stage's tasks, as {@link BlockExchange} uses them: this task
 * stores its blocks in its executor's block manager (never reported to the driver) and reads
 * another task's from that task's executor, locally or over Spark's block transfer service,
 * checking while it waits whether Spark killed this task.
 */
final class PeerBlocks {
    /**
     * Serialized, in memory while there is room, on local disk when the memory store evicts it:
     * a block a peer has yet to read must not be lost (with memory alone, another put under
     * memory pressure drops it, the peer's fetch finds nothing, and every retry fails alike).
     */
    static final StorageLevel LEVEL = StorageLevel.MEMORY_AND_DISK_SER();

    private final BarrierTaskContext ctx;
    private final BlockManager blocks;
    private final long fetchTimeoutNanos;
    private final int me;
    private final String[] executors;
    private final String[] hosts;
    private final int[] ports;

    /**
     * @param all every task's block manager as {@link #self} describes it, by task
     */
    PeerBlocks(BarrierTaskContext ctx, String[] all) {
        this.ctx = ctx;
        SparkEnv env = SparkEnv.get();
        this.blocks = env.blockManager();
        this.fetchTimeoutNanos = TimeUnit.SECONDS.toNanos(env.conf().getTimeAsSeconds("spark.network.timeout", "120s"));
        this.me = ctx.partitionId();
        executors = new String[all.length];
        hosts = new String[all.length];
        ports = new int[all.length];
        for (int i = 0; i < all.length; i++) {
            String[] f = all[i].split("\t");
            executors[i] = f[0];
            hosts[i] = f[1];
            ports[i] = Integer.parseInt(f[2]);
        }
    }

    /** This executor's block manager, as the other tasks need to reach it. */
    static String self() {
        var id = SparkEnv.get().blockManager().blockManagerId();
        return id.executorId() + "\t" + id.host() + "\t" + id.port();
    }

    /** Tasks taking part. */
    int tasks() {
        return executors.length;
    }

    /** Task {@code task}'s executor id. */
    String executor(int task) {
        return executors[task];
    }

    /** Stores {@code bytes} as block {@code id} in this executor's block manager, not reported to the driver. */
    void store(BlockId id, ByteBuffer bytes) {
        if (!blocks.putBytes(id, new ChunkedByteBuffer(bytes), LEVEL, false, ClassTag$.MODULE$.apply(byte[].class))) {
            throw new IllegalStateException("the block manager of executor " + executors[me] + " refused block "
                    + id.name() + " (" + bytes.remaining() + " bytes): out of storage memory?");
        }
    }

    /** Task {@code task}'s block {@code id}, whole. */
    byte[] bytes(int task, BlockId id) {
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

    /** Reads task {@code task}'s block {@code id} into {@code out} from {@code offset}. */
    void fetch(int task, BlockId id, float[] out, int offset) {
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

    /** Removes blocks {@code ids} of this task from its executor's block manager, and clears the list. */
    void removeAll(List<BlockId> ids) {
        for (BlockId id : ids) {
            blocks.removeBlock(id, false);
        }
        ids.clear();
    }
}
