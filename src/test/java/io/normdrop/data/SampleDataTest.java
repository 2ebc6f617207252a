package io.normdrop.data;

import io.normdrop.testing.DataSources;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The bundled quickstart data is small, balanced, and exactly the documented cut of Fashion-MNIST. */
class SampleDataTest {
    static LabeledImages sample(String prefix) {
        return new IdxReader(new Configuration()).read(DataSources.idx(prefix,
                FashionMnistSample.SAMPLE.resolve(prefix + "-images-idx3-ubyte.gz").toString(),
                FashionMnistSample.SAMPLE.resolve(prefix + "-labels-idx1-ubyte.gz").toString(), 0), 10);
    }

    @Test
    void sampleIsSmallAndBalanced() throws Exception {
        long bytes;
        try (var files = Files.list(FashionMnistSample.SAMPLE)) {
            bytes = files.mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(bytes <= 6 * 1024 * 1024, "sample is " + bytes + " bytes");
        LabeledImages train = sample("train");
        int[] perClass = new int[10];
        for (int i = 0; i < train.count(); i++) {
            perClass[train.label(i)]++;
        }
        for (int c = 0; c < 10; c++) {
            assertEquals(FashionMnistSample.TRAIN_PER_CLASS, perClass[c], "class " + c);
        }
        assertEquals(10 * FashionMnistSample.TEST_PER_CLASS, sample("t10k").count());
    }

    @Test
    void sampleIsExactlyTheDocumentedCut() {
        assumeTrue(Files.exists(FashionMnistSample.FULL.resolve("train-images-idx3-ubyte.gz")),
                "needs the Debian package dataset-fashion-mnist (deploy/setup.sh --data)");
        for (String prefix : new String[]{"train", "t10k"}) {
            int perClass = prefix.equals("train") ? FashionMnistSample.TRAIN_PER_CLASS : FashionMnistSample.TEST_PER_CLASS;
            LabeledImages expected = FashionMnistSample.cut(FashionMnistSample.full(prefix), perClass);
            LabeledImages bundled = sample(prefix);
            assertArrayEquals(expected.labels(), bundled.labels(), prefix);
            assertArrayEquals(expected.pixels(), bundled.pixels(), prefix);
        }
    }
}
