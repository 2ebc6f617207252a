package io.normdrop.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.UUID;

/**
 * The process's umask, for Hadoop. Hadoop's local file system does not follow the umask: it sets
 * the mode of every file and directory it creates to 0666 / 0777 less its own
 * {@code fs.permissions.umask-mode} (default 022), so under umask 027 a run directory written
 * through it would still be readable by everyone. Normdrop hands Hadoop the process's umask.
 */
public final class Umask {
    private static volatile String current;

    private Umask() {
    }

    /**
     * The umask as Hadoop's {@code fs.permissions.umask-mode} takes it ({@code "027"}), found by
     * creating a directory in java.io.tmpdir with no mode of its own; null where the file system
     * has no POSIX permissions.
     */
    public static String current() {
        if (current == null) {
            current = probe();
        }
        return current;
    }

    private static String probe() {
        Path probe = Path.of(System.getProperty("java.io.tmpdir")).resolve(".normdrop-umask-" + UUID.randomUUID());
        try {
            Files.createDirectory(probe); // mode 0777 & ~umask
            try {
                Set<PosixFilePermission> granted = Files.getPosixFilePermissions(probe);
                int mode = 0;
                for (PosixFilePermission p : PosixFilePermission.values()) {
                    // values() runs OWNER_READ .. OTHERS_EXECUTE: bit 8 down to bit 0.
                    mode = mode << 1 | (granted.contains(p) ? 1 : 0);
                }
                return String.format("%03o", 0777 & ~mode);
            } finally {
                Files.delete(probe);
            }
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }
}
