package io.normdrop.store;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The lock of a run directory {@code NAME}: the file {@code .NAME.lock} beside it, created only if
 * absent, holding the host, process id and start time of the run that owns it. A second run is
 * refused while the owner lives; a lock whose owner died on this host is taken over.
 */
final class RunLock {
    private final FileSystem fs;
    private final Path target;
    private final Path lock;

    /** The lock of the run directory {@code target} (not taken yet). */
    RunLock(FileSystem fs, Path target) {
        this.fs = fs;
        this.target = target;
        this.lock = new Path(target.getParent(), "." + target.getName() + ".lock");
    }

    /**
     * Takes the lock: creates the lock file, or takes over one whose owner died on this host.
     *
     * @throws RunInProgressException when another live run holds the lock
     */
    void acquire() throws IOException {
        String owner = owner();
        for (int attempt = 0; attempt < 2; attempt++) {
            try (OutputStream os = fs.create(lock, false)) {
                os.write(owner.getBytes(StandardCharsets.UTF_8));
                return;
            } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
                String holder = readLock();
                if (attempt == 0 && isStale(holder)) {
                    fs.delete(lock, false);
                    continue;
                }
                throw new RunInProgressException(target.toString(), holder, lock.toString());
            } catch (IOException e) {
                if (!fs.exists(lock)) {
                    throw e;
                }
                throw new RunInProgressException(target.toString(), readLock(), lock.toString());
            }
        }
    }

    private String readLock() {
        try (FSDataInputStream in = fs.open(lock)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** {@code host pid start-instant} of this process. */
    private static String owner() {
        return host() + " " + ProcessHandle.current().pid() + " " + Instant.now();
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return ManagementFactory.getRuntimeMXBean().getName();
        }
    }

    /** A lock held by a process of this host that no longer runs. */
    private static boolean isStale(String holder) {
        String[] parts = holder.split(" ");
        if (parts.length < 2 || !parts[0].equals(host())) {
            return false;
        }
        try {
            return ProcessHandle.of(Long.parseLong(parts[1])).map(p -> !p.isAlive()).orElse(true);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Gives the lock back: deletes its file. */
    void release() throws IOException {
        fs.delete(lock, false);
    }
}
