package io.normdrop.store;

/** Another run is writing the same run directory (it holds the lock). */
public final class RunInProgressException extends RuntimeException {
    RunInProgressException(String dir, String holder, String lock) {
        super("run directory " + dir + " is being written by another run (" + holder + "); wait for it to end, "
                + "or delete " + lock + " if that run is dead");
    }
}
