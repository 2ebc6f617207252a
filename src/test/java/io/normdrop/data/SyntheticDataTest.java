package io.normdrop.data;

import io.normdrop.testing.DataSources;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticDataTest {
    @TempDir
    Path dir;

    private LabeledImages write(SyntheticData d, String prefix, int stream) throws IOException {
        d.write(dir.toString(), prefix, SyntheticData.Format.IDX, stream, new Configuration());
        return new IdxReader(new Configuration()).read(DataSources.idx(prefix, dir.resolve(prefix + "-images-idx3-ubyte").toString(),
                dir.resolve(prefix + "-labels-idx1-ubyte").toString(), 0), d.classes());
    }

    @Test
    void idxFilesReadBackBalancedAndAsImages() throws IOException {
        LabeledImages train = write(new SyntheticData(1003, 64, 4, 0.1, 7), "train", 0);
        assertEquals(1003, train.count());
        assertEquals(8, train.rows(), "64 features as an 8x8 image");
        int[] perClass = new int[4];
        for (int i = 0; i < train.count(); i++) {
            perClass[train.label(i)]++;
        }
        for (int n : perClass) {
            assertTrue(n == 250 || n == 251, "balanced: " + java.util.Arrays.toString(perClass));
        }
        LabeledImages odd = write(new SyntheticData(10, 30, 3, 0.1, 7), "odd", 0);
        assertEquals(1, odd.rows());
        assertEquals(30, odd.cols());
    }

    @Test
    void sameSeedSameBytesOtherStreamOtherExamples() throws IOException {
        SyntheticData d = new SyntheticData(200, 16, 3, 0.1, 7);
        LabeledImages a = write(d, "a", 0);
        LabeledImages b = write(d, "b", 0);
        LabeledImages c = write(d, "c", 1);
        assertArrayEquals(a.pixels(), b.pixels());
        assertArrayEquals(a.labels(), b.labels());
        assertTrue(!java.util.Arrays.equals(a.pixels(), c.pixels()), "the test stream differs from the training stream");
    }

    @Test
    void isLearnableTheCentresOfTheTrainingSetClassifyTheTestSet() throws IOException {
        int f = 100;
        int classes = 5;
        LabeledImages train = write(new SyntheticData(2000, f, classes, 0.25, 3), "train", 0);
        LabeledImages test = write(new SyntheticData(500, f, classes, 0.25, 3), "test", 1);
        double[][] centre = new double[classes][f];
        int[] n = new int[classes];
        for (int i = 0; i < train.count(); i++) {
            n[train.label(i)]++;
            for (int j = 0; j < f; j++) {
                centre[train.label(i)][j] += train.pixels()[i * f + j] & 0xff;
            }
        }
        int correct = 0;
        for (int i = 0; i < test.count(); i++) {
            int best = -1;
            double bestDistance = Double.MAX_VALUE;
            for (int c = 0; c < classes; c++) {
                double d = 0;
                for (int j = 0; j < f; j++) {
                    double diff = (test.pixels()[i * f + j] & 0xff) - centre[c][j] / n[c];
                    d += diff * diff;
                }
                if (d < bestDistance) {
                    bestDistance = d;
                    best = c;
                }
            }
            correct += best == test.label(i) ? 1 : 0;
        }
        double accuracy = correct / (double) test.count();
        assertTrue(accuracy > 0.8 && accuracy < 1.0, "nearest centre accuracy " + accuracy + ": learnable, not trivial");
    }

    @Test
    void csvHasAHeaderAndTheSameExamplesAsIdx() throws IOException {
        SyntheticData d = new SyntheticData(50, 6, 3, 0.1, 7);
        LabeledImages idx = write(d, "x", 0);
        d.write(dir.toString(), "x", SyntheticData.Format.CSV, 0, new Configuration());
        List<String> lines = Files.readAllLines(dir.resolve("x.csv"));
        assertEquals(51, lines.size());
        assertEquals("label,f0,f1,f2,f3,f4,f5", lines.get(0));
        String[] first = lines.get(1).split(",");
        assertEquals(idx.label(0), Integer.parseInt(first[0]));
        for (int j = 0; j < 6; j++) {
            assertEquals(idx.pixels()[j] & 0xff, Integer.parseInt(first[j + 1]));
        }
    }

    @Test
    void refusesWhatItCannotMake() {
        assertThrows(IllegalArgumentException.class, () -> new SyntheticData(0, 10, 2, 0.1, 1));
        assertThrows(IllegalArgumentException.class, () -> new SyntheticData(10, 10, 1, 0.1, 1));
        assertThrows(IllegalArgumentException.class, () -> new SyntheticData(10, 10, 257, 0.1, 1));
        assertThrows(IllegalArgumentException.class, () -> new SyntheticData(10, 10, 2, 0, 1));
    }
}
