package io.normdrop.data;

import java.io.Serializable;

/**
 * A pseudo-random permutation of 0..n-1 computed one element at a time, so that every executor
 * can place its examples without anyone holding the whole order: a 4-round Feistel network on
 * the smallest even number of bits covering n, cycle-walking values that fall beyond n (on
 * average fewer than 4 steps). Different seeds give unrelated permutations.
 */
public final class SeededPermutation implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int ROUNDS = 4;

    private final long n;
    private final int half;
    private final long mask;
    private final long[] keys = new long[ROUNDS];

    /**
     * @param n    size (>= 1)
     * @param seed any seed
     */
    public SeededPermutation(long n, long seed) {
        if (n < 1) {
            throw new IllegalArgumentException("size must be >= 1, got " + n);
        }
        this.n = n;
        int bits = Math.max(2, 64 - Long.numberOfLeadingZeros(n - 1));
        this.half = (bits + 1) / 2;
        this.mask = (1L << half) - 1;
        long k = seed;
        for (int r = 0; r < ROUNDS; r++) {
            k = mix(k + 0x9E3779B97F4A7C15L);
            keys[r] = k;
        }
    }

    /** The position of {@code i} (0 <= i < n) in the permutation. */
    public long apply(long i) {
        if (i < 0 || i >= n) {
            throw new IndexOutOfBoundsException(i + " outside 0.." + (n - 1));
        }
        long x = i;
        do {
            x = feistel(x);
        } while (x >= n);
        return x;
    }

    private long feistel(long x) {
        long left = x >>> half;
        long right = x & mask;
        for (long key : keys) {
            long next = left ^ (mix(right ^ key) & mask);
            left = right;
            right = next;
        }
        return (left << half) | right;
    }

    /** SplitMix64's finalizer: a bijective 64-bit mix. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
