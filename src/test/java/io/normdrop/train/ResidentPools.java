package io.normdrop.train;

/** What this JVM's {@link ResidentNetworks} hold, for the benchmarks outside this package. */
public final class ResidentPools {
    private ResidentPools() {
    }

    /** Training runs this JVM holds worker networks or kept updater states of. */
    public static int heldRuns() {
        return ResidentNetworks.heldRuns().size();
    }

    /** Worker networks this JVM has built since it started. */
    public static long networksBuilt() {
        return ResidentNetworks.networksBuilt();
    }
}
