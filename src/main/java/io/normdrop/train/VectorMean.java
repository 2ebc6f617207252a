package io.normdrop.train;

/**
 * The mean of the workers' vectors over a range of the averaged vector, as both Normdrop masters
 * compute it: summed in worker order, then scaled by 1/workers, so every worker and the driver
 * get the same floats. Where the range holds parameters, the drift among them goes to a
 * {@link DriftSums}.
 */
final class VectorMean {
    private VectorMean() {
    }

    /**
     * Writes into {@code out[from, to)} the mean of {@code parts}, where {@code parts[j][k]} is
     * worker {@code j}'s element {@code from + k}, and adds the drift of the parameters among
     * them to {@code drift} ({@link DriftSums#NONE}: not measured).
     */
    static void of(float[][] parts, int from, int to, float[] out, DriftSums drift) {
        int n = parts.length;
        int length = to - from;
        System.arraycopy(parts[0], 0, out, from, length);
        for (int j = 1; j < n; j++) {
            float[] p = parts[j];
            for (int k = 0; k < length; k++) {
                out[from + k] += p[k];
            }
        }
        float scale = 1 / (float) n;
        for (int k = 0; k < length; k++) {
            out[from + k] *= scale;
        }
        drift.add(parts, from, to, out);
    }

}
