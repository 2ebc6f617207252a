package io.normdrop.train;

import io.normdrop.testing.Processes;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An exchange block survives memory pressure: in a JVM of 512 MiB whose memory store another put
 * fills, a block stored at the exchange's level is still there to fetch, where at the level the
 * exchange used before (memory only) it is dropped and a peer's fetch would find nothing.
 */
class BlockExchangeEvictionIT {
    static String probe(String level) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("java", "-Xmx512m"));
        cmd.addAll(Files.readAllLines(Path.of("conf/java17-module-flags.args")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), EvictionProbe.class.getName(), level));
        Processes.Result r = Processes.run(cmd);
        assertEquals(0, r.code(), r.err());
        return r.out().lines().filter(l -> l.startsWith("storage memory")).findFirst().orElseThrow(() -> new AssertionError(r.out()));
    }

    @Test
    void anExchangeBlockIsNotLostWhenTheMemoryStoreFills() throws Exception {
        String level = PeerBlocks.LEVEL.equals(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK_SER())
                ? "MEMORY_AND_DISK_SER" : PeerBlocks.LEVEL.toString();
        String exchange = probe(level);
        assertTrue(exchange.endsWith("level MEMORY_AND_DISK_SER: kept"), exchange);
        String former = probe("MEMORY_ONLY_SER");
        assertTrue(former.endsWith("level MEMORY_ONLY_SER: lost"), "the control, memory only: " + former);
        System.out.println(exchange + "; " + former);
    }
}
