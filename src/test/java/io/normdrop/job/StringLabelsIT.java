package io.normdrop.job;

import io.normdrop.config.JobFiles;
import io.normdrop.config.LoadedJob;
import io.normdrop.score.PredictionMetrics;
import io.normdrop.score.Predictions;
import io.normdrop.store.RunFiles;
import io.normdrop.testing.LocalSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Labels as users have them: a csv or parquet label column of names (iris's species) is indexed
 * on Spark as MLlib's StringIndexer does (by frequency, ties by name; alphabetically; or in the
 * job's data.classNames order), the names are kept in the model's provenance and are the class
 * names of the metrics, and predict gives them back.
 */
@ExtendWith(LocalSpark.class)
class StringLabelsIT {
    @TempDir
    static Path dir;

    /** virginica 60, setosa 40, versicolor 40: frequency order virginica, setosa, versicolor. */
    static List<String[]> rows(long seed) {
        Random random = new Random(seed);
        List<String[]> out = new ArrayList<>();
        String[] species = {"setosa", "versicolor", "virginica"};
        int[] counts = {40, 40, 60};
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < counts[c]; i++) {
                out.add(new String[]{String.valueOf(c * 3 + random.nextGaussian() * 0.3),
                        String.valueOf(-c * 2 + random.nextGaussian() * 0.3), species[c]});
            }
        }
        java.util.Collections.shuffle(out, random);
        return out;
    }

    static String csv(List<String[]> rows) {
        StringBuilder s = new StringBuilder("sepal,petal,species\n");
        rows.forEach(r -> s.append(String.join(",", r)).append('\n'));
        return s.toString();
    }

    @BeforeAll
    static void data(JavaSparkContext sc) throws IOException {
        Files.writeString(dir.resolve("train.csv"), csv(rows(1)));
        Files.writeString(dir.resolve("test.csv"), csv(rows(2)));
        Files.writeString(dir.resolve("wolf.csv"), csv(rows(2)).replaceFirst("setosa\n", "wolf\n"));
        List<Row> parquet = rows(1).stream().map(r -> RowFactory.create(r[2],
                List.of(Float.parseFloat(r[0]), Float.parseFloat(r[1])))).toList();
        SparkSession.builder().sparkContext(sc.sc()).getOrCreate().createDataFrame(parquet, DataTypes.createStructType(List.of(
                        DataTypes.createStructField("species", DataTypes.StringType, false),
                        DataTypes.createStructField("features", DataTypes.createArrayType(DataTypes.FloatType, false), false))))
                .write().parquet(dir.resolve("train.parquet").toString());
    }

    static LoadedJob job(String out, String... sets) throws IOException {
        Path file = dir.resolve(out + ".conf");
        Files.writeString(file, """
                data {
                  format = csv
                  csv { header = true, label = species }
                  train.path = "%s"
                  test.path = "%s"
                }
                model.layers = [ { type = weightnorm-dense, units = 8 }, { type = output } ]
                training { epochs = 10, workers = 2, updater.learningRate = 0.05 }
                output.dir = "%s"
                """.formatted(dir.resolve("train.csv"), dir.resolve("test.csv"), dir.resolve(out)));
        return JobFiles.load(file, List.of(sets));
    }

    static TrainJob.Outcome train(JavaSparkContext sc, String out, String... sets) throws IOException {
        return new TrainJob(job(out, sets), false).run(sc, new PrintWriter(new StringWriter()));
    }

    @Test
    void namesAreIndexedByFrequencyKeptWithTheModelAndGivenBackByPredict(JavaSparkContext sc) throws IOException {
        TrainJob.Outcome run = train(sc, "frequency");
        List<String> order = List.of("virginica", "setosa", "versicolor");
        assertEquals(order, run.metrics().data().classNames());
        assertEquals(List.of(60L, 40L, 40L), run.metrics().data().classCounts());
        assertTrue(run.testAccuracy() > 0.9, "separable classes: " + run.testAccuracy());
        String provenance = Files.readString(dir.resolve("frequency").resolve(RunFiles.PROVENANCE));
        assertTrue(provenance.replaceAll("\\s", "").contains("\"labels\":[\"virginica\",\"setosa\",\"versicolor\"]"), provenance);

        PredictionMetrics m = new PredictJob(null, new PredictJob.Options(dir.resolve("frequency").toString(), null, null,
                dir.resolve("frequency-predictions").toString(), false, true, 64), List.of())
                .run(sc, new PrintWriter(new StringWriter())).metrics();
        assertEquals(run.testAccuracy(), m.accuracy(), 0.0);
        assertEquals(order, m.classNames());
        List<Row> predicted = SparkSession.builder().sparkContext(sc.sc()).getOrCreate().read()
                .parquet(dir.resolve("frequency-predictions").toString()).collectAsList();
        assertEquals(140, predicted.size());
        for (Row r : predicted) {
            assertEquals(order.get(r.<Integer>getAs(Predictions.PREDICTION)), r.getAs(Predictions.PREDICTED_CLASS));
        }
    }

    @Test
    void theJobCanOrderTheNamesAlphabeticallyOrItself(JavaSparkContext sc) throws IOException {
        assertEquals(List.of("setosa", "versicolor", "virginica"),
                train(sc, "alphabetical", "data.labelOrder=alphabetical").metrics().data().classNames());
        assertEquals(List.of("versicolor", "virginica", "setosa"),
                train(sc, "given", "data.classNames=[versicolor, virginica, setosa]").metrics().data().classNames());
    }

    @Test
    void aParquetColumnOfNamesIsIndexedTheSameWay(JavaSparkContext sc) throws IOException {
        TrainJob.Outcome run = train(sc, "parquet", "data.format=parquet", "data.parquet.label=species",
                "data.train.path=\"" + dir.resolve("train.parquet") + "\"", "data.test.path=\"" + dir.resolve("train.parquet") + "\"");
        assertEquals(List.of("virginica", "setosa", "versicolor"), run.metrics().data().classNames());
    }

    @Test
    void aTestLabelTheTrainingDataDoesNotHaveIsABadRecord(JavaSparkContext sc) throws IOException {
        Exception e = assertThrows(Exception.class, () -> train(sc, "wolf", "data.test.path=\"" + dir.resolve("wolf.csv") + "\""));
        assertEquals(65, Main.exitCode(e).code());
        String lines = String.join("\n", Main.errorLines(e));
        assertTrue(lines.contains("wolf.csv: line ") && lines.contains(
                "label 'wolf' is not a class of the training data (virginica, setosa, versicolor)"), lines);
        assertFalse(Files.exists(dir.resolve("wolf")));
    }
}
