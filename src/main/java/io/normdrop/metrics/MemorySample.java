package io.normdrop.metrics;

import org.bytedeco.javacpp.Pointer;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * Memory of the driver JVM at one moment.
 *
 * @param heapUsedBytes     JVM heap in use
 * @param heapMaxBytes      JVM heap limit (-Xmx)
 * @param nd4jOffHeapBytes  native memory outside the JVM's heap and non-heap pools: the process's
 *                          resident memory minus the JVM's committed heap and non-heap memory.
 *                          Mostly ND4J's array buffers, which libnd4j allocates natively where
 *                          neither JavaCPP's nor ND4J's counters see them; also thread stacks
 *                          and other native allocations. An estimate, never below 0.
 * @param nd4jMaxBytes      JavaCPP's off-heap limit ({@code org.bytedeco.javacpp.maxbytes})
 * @param rssBytes          resident memory of the process, as the OS reports it
 */
public record MemorySample(long heapUsedBytes, long heapMaxBytes, long nd4jOffHeapBytes, long nd4jMaxBytes,
                           long rssBytes) {

    /** The driver's memory now. */
    public static MemorySample now() {
        MemoryMXBean jvm = ManagementFactory.getMemoryMXBean();
        long heapCommitted = jvm.getHeapMemoryUsage().getCommitted();
        long nonHeapCommitted = jvm.getNonHeapMemoryUsage().getCommitted();
        long rss = Pointer.physicalBytes();
        return new MemorySample(jvm.getHeapMemoryUsage().getUsed(), jvm.getHeapMemoryUsage().getMax(),
                Math.max(0, rss - heapCommitted - nonHeapCommitted), Pointer.maxBytes(), rss);
    }
}
