package io.normdrop.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.BitSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SeededPermutationTest {
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 5, 64, 100, 1000, 1025, 60_000})
    void isABijectionOnZeroToN(long n) {
        SeededPermutation p = new SeededPermutation(n, 42);
        BitSet seen = new BitSet((int) n);
        for (long i = 0; i < n; i++) {
            long j = p.apply(i);
            assertTrue(j >= 0 && j < n, i + " -> " + j);
            assertFalse(seen.get((int) j), "two elements map to " + j);
            seen.set((int) j);
        }
        assertEquals(n, seen.cardinality());
    }

    @Test
    void seedsGiveDifferentReproducibleOrdersThatMoveAlmostEveryElement() {
        int n = 10_000;
        SeededPermutation a = new SeededPermutation(n, 1);
        SeededPermutation again = new SeededPermutation(n, 1);
        SeededPermutation b = new SeededPermutation(n, 2);
        int same = 0;
        int fixed = 0;
        long displacement = 0;
        for (long i = 0; i < n; i++) {
            assertEquals(a.apply(i), again.apply(i));
            same += a.apply(i) == b.apply(i) ? 1 : 0;
            fixed += a.apply(i) == i ? 1 : 0;
            displacement += Math.abs(a.apply(i) - i);
        }
        // A random permutation has ~1 fixed point and agrees with another in ~1 place; the mean
        // displacement of a uniform one is n/3.
        assertTrue(same < 10, "orders agree in " + same + " places");
        assertTrue(fixed < 10, fixed + " fixed points");
        assertEquals(n / 3.0, displacement / (double) n, n * 0.03);
    }
}
