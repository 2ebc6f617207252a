package io.normdrop.train;

import io.normdrop.ml.NormdropClassifier;
import io.normdrop.testing.LocalSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fits in one JVM, as a CrossValidator grid runs them, leave no worker network and no kept
 * updater state of their runs behind on the executors (here the driver's JVM, local mode): every
 * fit's run is released when it ends.
 */
@ExtendWith(LocalSpark.class)
class ResidentNetworksIT {
    static final int FITS = 5;

    /** {@code rows} rows of three Gaussian blobs in four features, label 0..2 (seeded). */
    static Dataset<Row> blobs(JavaSparkContext sc, int rows, long seed) {
        Random random = new Random(seed);
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            int label = i % 3;
            double[] x = new double[4];
            for (int j = 0; j < x.length; j++) {
                x[j] = (j == label ? 3 : 0) + random.nextGaussian();
            }
            out.add(RowFactory.create(Vectors.dense(x), (double) label));
        }
        StructType schema = new StructType().add("features", new VectorUDT(), false)
                .add("label", DataTypes.DoubleType, false);
        return SparkSession.builder().sparkContext(sc.sc()).getOrCreate().createDataFrame(out, schema).repartition(2);
    }

    @Test
    void fitsLeaveNoNetworksOfTheirRunsOnTheExecutors(JavaSparkContext sc) {
        Dataset<Row> data = blobs(sc, 300, 3);
        Set<String> before = heldOnExecutors(sc);
        long built = ResidentNetworks.networksBuilt();
        for (int fit = 0; fit < FITS; fit++) {
            // Both of Normdrop's masters, which keep networks on the executors: allreduce (the default) and resident.
            new NormdropClassifier().setLayers(8).setEpochs(2).setBatchSize(16).setSeed(fit)
                    .setJob(fit % 2 == 0 ? "" : "training.master = resident").fit(data);
        }
        assertTrue(ResidentNetworks.networksBuilt() - built >= FITS * 2L,
                "every fit's two workers built networks to keep: " + (ResidentNetworks.networksBuilt() - built));
        Set<String> left = heldOnExecutors(sc);
        left.removeAll(before);
        assertEquals(Set.of(), left, "runs whose networks or updater states the executors still hold after " + FITS + " fits");
    }

    /** The runs the executors hold anything of, asked on each of their task slots (and the driver's JVM). */
    static Set<String> heldOnExecutors(JavaSparkContext sc) {
        int slots = sc.defaultParallelism();
        Set<String> held = new TreeSet<>(ResidentNetworks.heldRuns());
        held.addAll(sc.parallelize(IntStream.range(0, slots).boxed().toList(), slots)
                .flatMap(i -> ResidentNetworks.heldRuns().iterator()).collect());
        return held;
    }
}
