package io.normdrop.data;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReshuffledEpochsTest {
    @Test
    void partitionSizesDifferByAtMostOneAndThePartitionerAgrees() {
        for (long n : new long[]{1, 7, 480, 60_000, 1_000_003}) {
            for (int parts : new int[]{1, 2, 3, 94, 96}) {
                if (parts > n) {
                    continue;
                }
                ReshuffledEpochs.Balanced partitioner = new ReshuffledEpochs.Balanced(parts, n);
                long min = Long.MAX_VALUE;
                long max = 0;
                for (int p = 0; p < parts; p++) {
                    long from = ReshuffledEpochs.start(p, n, parts);
                    long to = ReshuffledEpochs.start(p + 1, n, parts);
                    min = Math.min(min, to - from);
                    max = Math.max(max, to - from);
                    assertEquals(p, partitioner.getPartition(from), n + "/" + parts);
                    assertEquals(p, partitioner.getPartition(to - 1), n + "/" + parts);
                }
                assertEquals(n, ReshuffledEpochs.start(parts, n, parts));
                assertTrue(max - min <= 1 && min >= 1, n + " in " + parts + ": sizes " + min + ".." + max);
            }
        }
    }

    @Test
    void batchesAreCutInOrderWithScalingAndOneHotLabels() {
        Example[] examples = {Example.dense(new float[]{1, 10}, 0), Example.dense(new float[]{3, 10}, 2),
                Example.sparse(new int[]{1}, new float[]{4}, 1)};
        FeatureScaler scaler = new FeatureScaler(io.normdrop.config.Normalization.STANDARDIZE, new float[]{2, 8}, new float[]{1, 2});
        Iterator<DataSet> it = DataSets.cut(examples, 2, 2, 3, scaler);
        List<DataSet> batches = new ArrayList<>();
        it.forEachRemaining(batches::add);
        assertEquals(2, batches.size());
        assertArrayEquals(new float[]{-1, 1, 1, 1}, batches.get(0).getFeatures().reshape(4).toFloatVector());
        assertArrayEquals(new float[]{1, 0, 0, 0, 0, 1}, batches.get(0).getLabels().reshape(6).toFloatVector());
        assertArrayEquals(new float[]{-2, -2}, batches.get(1).getFeatures().reshape(2).toFloatVector());
        assertArrayEquals(new float[]{0, 1, 0}, batches.get(1).getLabels().reshape(3).toFloatVector());
    }
}
