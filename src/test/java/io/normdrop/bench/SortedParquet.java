package io.normdrop.bench;

import io.normdrop.config.DataSource;
import io.normdrop.data.IdxReader;
import io.normdrop.data.LabeledImages;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Writes an IDX image set as one Parquet file (label int, features array&lt;float&gt; of pixels
 * scaled to [0, 1], as Normdrop reads IDX) with small row groups, sorted by label or in the
 * files' order: the worst case for a streamed epoch's shuffle (deploy/bench.sh shuffle).
 *
 * <p>Arguments: images.gz labels.gz out.parquet rowGroupBytes sorted|unsorted
 */
public final class SortedParquet {
    private SortedParquet() {
    }

    public static void main(String[] args) {
        DataSource source = new DataSource("train", args[0], args[1], null, 0);
        LabeledImages images = new IdxReader(new Configuration()).read(source, 256);
        int features = images.features();
        List<Integer> order = new ArrayList<>(IntStream.range(0, images.count()).boxed().toList());
        if (args[4].equals("sorted")) {
            order.sort(Comparator.comparingInt(images::label)); // stable: within a label, the files' order
        }
        List<Row> rows = new ArrayList<>(order.size());
        for (int i : order) {
            float[] x = new float[features];
            for (int f = 0; f < features; f++) {
                x[f] = (images.pixels()[i * features + f] & 0xff) / 255f;
            }
            rows.add(RowFactory.create(images.label(i), x));
        }
        StructType schema = new StructType()
                .add("label", DataTypes.IntegerType, false)
                .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        SparkSession spark = SparkSession.builder().master("local[1]").appName("sorted-parquet")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1").getOrCreate();
        try {
            spark.createDataFrame(rows, schema).coalesce(1).write().mode(SaveMode.Overwrite)
                    .option("parquet.block.size", Long.parseLong(args[3])).parquet(args[2]);
        } finally {
            spark.stop();
        }
        System.out.printf("wrote %,d examples (%s) to %s, row groups of %s bytes%n", rows.size(), args[4], args[2], args[3]);
    }
}
