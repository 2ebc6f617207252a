package io.normdrop.data;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class MinibatchesTest {
    @Test
    void scalesPixelsToUnitRangeAndOneHotsLabels() {
        int n = 5;
        byte[] pixels = new byte[n * 2];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 51); // 0, 51, ..., 255 (as unsigned), then wraps
        }
        byte[] labels = {0, 2, 1, 2, 0};
        LabeledImages data = new LabeledImages(n, 1, 2, pixels, labels, List.of());
        List<DataSet> batches = Minibatches.dataSets(data, 2, 3);
        assertEquals(3, batches.size());
        assertArrayEquals(new long[]{2, 2}, batches.get(0).getFeatures().shape());
        assertArrayEquals(new long[]{1, 2}, batches.get(2).getFeatures().shape());
        assertArrayEquals(new float[]{0f, 51 / 255f, 102 / 255f, 153 / 255f},
                batches.get(0).getFeatures().reshape(4).toFloatVector(), 1e-7f);
        assertEquals(1f, batches.get(1).getFeatures().getFloat(0, 1), 1e-7f); // byte 255 is unsigned
        assertArrayEquals(new float[]{1, 0, 0, 0, 0, 1}, batches.get(0).getLabels().reshape(6).toFloatVector());
        assertArrayEquals(new float[]{1, 0, 0}, batches.get(2).getLabels().reshape(3).toFloatVector());
    }
}
