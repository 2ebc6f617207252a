package io.normdrop.train;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.storage.TestBlockId;
import org.apache.spark.util.io.ChunkedByteBuffer;
import scala.reflect.ClassTag$;

import java.nio.ByteBuffer;

/**
 * Run in a JVM of its own with a small heap (by {@link BlockExchangeEvictionIT}): puts a block at
 * the storage level named by its argument as an exchange does, then a block that fills the memory
 * store, as another task's put under memory pressure would, and prints whether the first block
 * can still be read ("kept") or not ("lost").
 */
public final class EvictionProbe {
    private EvictionProbe() {
    }

    public static void main(String[] args) {
        SparkConf conf = new SparkConf().setMaster("local[1]").setAppName("eviction-probe")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1").set("spark.memory.fraction", "0.1");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            BlockManager blocks = SparkEnv.get().blockManager();
            long max = (Long) sc.sc().getExecutorMemoryStatus().values().head()._1();
            StorageLevel level = StorageLevel.fromString(args[0]);
            TestBlockId exchanged = new TestBlockId("normdrop_exchange_part");
            put(blocks, exchanged, 1 << 20, level);
            put(blocks, new TestBlockId("other_task_block"), (int) (max - (512 << 10)), StorageLevel.MEMORY_ONLY_SER());
            String state;
            try {
                blocks.getLocalBlockData(exchanged).release();
                state = "kept";
            } catch (Exception e) { // BlockNotFoundException, which Scala throws undeclared
                state = "lost";
            }
            System.out.println("storage memory " + (max >> 20) + " MiB, level " + args[0] + ": " + state);
        }
    }

    private static void put(BlockManager blocks, TestBlockId id, int bytes, StorageLevel level) {
        if (!blocks.putBytes(id, new ChunkedByteBuffer(ByteBuffer.allocate(bytes)), level, false,
                ClassTag$.MODULE$.apply(byte[].class))) {
            throw new IllegalStateException("refused " + id.name());
        }
    }
}
