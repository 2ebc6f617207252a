package io.normdrop.score;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.normdrop.config.ConfigException;
import io.normdrop.config.JobFiles;
import io.normdrop.config.LoadedJob;
import io.normdrop.job.Main;
import io.normdrop.job.PredictJob;
import io.normdrop.job.TrainJob;
import io.normdrop.metrics.ClassMetrics;
import io.normdrop.testing.LocalSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code normdrop predict} against the run that trained the model: scoring a run's test set
 * gives the run's own accuracy and confusion matrix; csv and parquet of the same rows give the
 * same predictions, keyed by the row's id column; the folded model predicts what the trained
 * one does; unlabeled rows are scored without metrics; bad input is refused with the training
 * job's exit codes, leaving no output behind.
 */
@ExtendWith(LocalSpark.class)
class PredictIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FEATURES = 6;
    private static final int CLASSES = 3;

    @TempDir
    static Path dir;
    static LoadedJob job;
    static TrainJob.Outcome trained;

    /** Overlapping blobs (so that the accuracy is not trivially 1): id, label, features. */
    static List<Object[]> rows(int n, long seed) {
        Random random = new Random(seed);
        List<Object[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int label = i % CLASSES;
            float[] x = new float[FEATURES];
            for (int j = 0; j < FEATURES; j++) {
                x[j] = (float) (10 * (j % CLASSES == label ? 1 : 0) + 4 + 6 * random.nextGaussian());
            }
            out.add(new Object[]{"r" + seed + "-" + i, label, x});
        }
        return out;
    }

    static String csv(List<Object[]> rows, boolean labeled) {
        StringBuilder s = new StringBuilder(labeled ? "id,label" : "id");
        for (int j = 0; j < FEATURES; j++) {
            s.append(",f").append(j);
        }
        s.append('\n');
        for (Object[] r : rows) {
            s.append(r[0]);
            if (labeled) {
                s.append(',').append(r[1]);
            }
            for (float v : (float[]) r[2]) {
                s.append(',').append(v);
            }
            s.append('\n');
        }
        return s.toString();
    }

    @BeforeAll
    static void train(JavaSparkContext sc) throws IOException {
        List<Object[]> test = rows(400, 2);
        Files.writeString(dir.resolve("train.csv"), csv(rows(1200, 1), true));
        Files.writeString(dir.resolve("test.csv"), csv(test, true));
        Files.writeString(dir.resolve("unlabeled.csv"), csv(test, false));
        StructType schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField("id", DataTypes.StringType, false),
                DataTypes.createStructField("label", DataTypes.IntegerType, false),
                DataTypes.createStructField("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)));
        List<Row> parquetRows = test.stream().map(r -> RowFactory.create(r[0], r[1], toList((float[]) r[2]))).toList();
        // Three files, so that row indices restart per file.
        SparkSession.builder().sparkContext(sc.sc()).getOrCreate().createDataFrame(parquetRows, schema).repartition(3)
                .write().parquet(dir.resolve("test.parquet").toString());
        Path file = dir.resolve("job.conf");
        Files.writeString(file, """
                data {
                  format = csv
                  csv { header = true, label = label, key = id }
                  train.path = "%s"
                  test.path = "%s"
                  normalization = standardize
                  classNames = [ red, green, blue ]
                }
                model.layers = [
                  { type = weightnorm-dense, units = 16, activation = relu },
                  { type = weightnorm-output, dropout.keep = 0.9 } ]
                training { epochs = 3, workers = 2, seed = 7 }
                output.dir = "%s"
                """.formatted(dir.resolve("train.csv"), dir.resolve("test.csv"), dir.resolve("run")));
        job = JobFiles.load(file, List.of());
        trained = new TrainJob(job, false).run(sc, new PrintWriter(new StringWriter()));
    }

    private static List<Float> toList(float[] x) {
        List<Float> out = new ArrayList<>();
        for (float v : x) {
            out.add(v);
        }
        return out;
    }

    static PredictJob.Outcome predict(JavaSparkContext sc, String out, boolean unfolded, String data, String... sets)
            throws IOException {
        return new PredictJob(null, new PredictJob.Options(dir.resolve("run").toString(), data, null,
                dir.resolve(out).toString(), false, unfolded, 64), List.of(sets))
                .run(sc, new PrintWriter(new StringWriter()));
    }

    /** id → row of the predictions written in {@code out}. */
    static Map<String, Row> written(JavaSparkContext sc, String out) {
        Map<String, Row> byId = new HashMap<>();
        Dataset<Row> df = SparkSession.builder().sparkContext(sc.sc()).getOrCreate().read().parquet(dir.resolve(out).toString());
        for (Row r : df.collectAsList()) {
            assertEquals(null, byId.put(r.getAs("id"), r), "one row per id");
        }
        return byId;
    }

    static double[] probability(Row r) {
        return r.getList(r.fieldIndex(Predictions.PROBABILITY)).stream().mapToDouble(v -> (Double) v).toArray();
    }

    @Test
    void scoringTheRunsTestSetGivesTheRunsAccuracyAndConfusion(JavaSparkContext sc) throws IOException {
        PredictionMetrics m = predict(sc, "unfolded", true, null).metrics();
        assertFalse(m.folded());
        assertEquals(400, m.scored());
        assertEquals(400, m.labeled());
        assertEquals(trained.metrics().result().accuracy(), m.accuracy(), 0.0, "the run's reported accuracy, exactly");
        assertTrue(m.accuracy() > 0.6 && m.accuracy() < 1.0, "a model that learned, on overlapping classes: " + m.accuracy());
        assertArrayEquals(trained.metrics().result().confusion(), m.confusion(), "the same per-class counts");
        assertEquals(trained.metrics().result().classes().stream().map(ClassMetrics::support).toList(),
                m.perClass().stream().map(ClassMetrics::support).toList());
        assertEquals(trained.metrics().result().macroF1(), m.macroF1(), 1e-12);

        JsonNode file = JSON.readTree(dir.resolve("unfolded").resolve(PredictionMetrics.FILE).toFile());
        assertEquals(m.accuracy(), file.get("accuracy").asDouble(), 0.0);
        assertTrue(Files.exists(dir.resolve("unfolded/_SUCCESS")));
        Map<String, Row> rows = written(sc, "unfolded");
        assertEquals(400, rows.size());
        Row r = rows.get("r2-1");
        assertEquals("test.csv", Path.of(r.<String>getAs(Predictions.FILE).replace("file:", "")).getFileName().toString());
        assertEquals(3L, r.<Long>getAs(Predictions.ROW), "line 3: the header, then r2-0");
        assertEquals(1, r.<Integer>getAs(Predictions.LABEL));
        assertEquals(List.of("red", "green", "blue").get(r.<Integer>getAs(Predictions.PREDICTION)),
                r.getAs(Predictions.PREDICTED_CLASS));
        double[] p = probability(r);
        assertEquals(CLASSES, p.length);
        assertEquals(1.0, Arrays.stream(p).sum(), 1e-5);
    }

    /**
     * A conv net on csv rows that data.shape makes images of: trained by the job, scored by
     * predict (which must take the rows' width from the image, not the first layer's channels)
     * to the run's own accuracy, trained and folded; a shape of another size is refused.
     */
    @Test
    void aConvNetOnRowsWithAShapeIsScoredToItsRunsAccuracy(JavaSparkContext sc) throws IOException {
        Path file = dir.resolve("conv.conf");
        Files.writeString(file, Files.readString(dir.resolve("job.conf")) + """
                data.shape = [1, 2, 3]
                model.layers = [
                  { type = weightnorm-conv2d, channels = 4, kernel = [2, 2], mode = same },
                  { type = weightnorm-output } ]
                model.dataInit.enabled = true
                output.dir = "%s"
                """.formatted(dir.resolve("conv-run")));
        TrainJob.Outcome conv = new TrainJob(JobFiles.load(file, List.of()), false).run(sc, new PrintWriter(new StringWriter()));
        double accuracy = conv.metrics().result().accuracy();
        assertTrue(accuracy > 0.6, "a model that learned: " + accuracy);
        for (boolean unfolded : new boolean[]{true, false}) {
            PredictionMetrics m = new PredictJob(null, new PredictJob.Options(dir.resolve("conv-run").toString(), null, null,
                    dir.resolve("conv-predictions-" + unfolded).toString(), false, unfolded, 64), List.of())
                    .run(sc, new PrintWriter(new StringWriter())).metrics();
            assertEquals(!unfolded, m.folded());
            assertEquals(400, m.scored());
            assertEquals(accuracy, m.accuracy(), unfolded ? 0.0 : 1.0 / 400, "folded: at most one row apart");
        }
        ConfigException wrong = assertThrows(ConfigException.class, () -> new TrainJob(JobFiles.load(file,
                List.of("data.shape=[1, 2, 4]", "output.dir=" + dir.resolve("conv-wrong"))), false)
                .run(sc, new PrintWriter(new StringWriter())));
        assertEquals("data.shape: [1, 2, 4] is 8 features, but data.train has 6 per example", wrong.getMessage());
    }

    @Test
    void theFoldedModelPredictsWhatTheTrainedOneDoes(JavaSparkContext sc) throws IOException {
        PredictionMetrics folded = predict(sc, "folded", false, null).metrics();
        assertTrue(folded.folded(), "a run with weight-norm layers is scored with model-inference.zip by default");
        predict(sc, "trained", true, null);
        Map<String, Row> a = written(sc, "folded");
        Map<String, Row> b = written(sc, "trained");
        assertEquals(b.keySet(), a.keySet());
        double worst = 0;
        for (String id : a.keySet()) {
            double[] pa = probability(a.get(id));
            double[] pb = probability(b.get(id));
            for (int c = 0; c < CLASSES; c++) {
                worst = Math.max(worst, Math.abs(pa[c] - pb[c]));
            }
        }
        assertTrue(worst <= 1e-5, "folded and trained probabilities within 1e-5: " + worst);
    }

    @Test
    void csvAndParquetOfTheSameRowsGiveIdenticalPredictions(JavaSparkContext sc) throws IOException {
        predict(sc, "from-csv", false, null);
        PredictionMetrics parquet = predict(sc, "from-parquet", false, dir.resolve("test.parquet").toString(),
                "data.format=parquet", "data.parquet.key=[id]").metrics();
        assertEquals(400, parquet.scored());
        Map<String, Row> csv = written(sc, "from-csv");
        Map<String, Row> pq = written(sc, "from-parquet");
        assertEquals(csv.keySet(), pq.keySet(), "the id column passed through from both");
        for (String id : csv.keySet()) {
            assertEquals(csv.get(id).<Integer>getAs(Predictions.PREDICTION), pq.get(id).<Integer>getAs(Predictions.PREDICTION), id);
            assertArrayEquals(probability(csv.get(id)), probability(pq.get(id)), 0.0, id);
        }
        assertTrue(pq.values().stream().allMatch(r -> r.<String>getAs(Predictions.FILE).endsWith(".parquet")));
        assertEquals(400, pq.values().stream().filter(r -> r.<Long>getAs(Predictions.ROW) < 400).count());
    }

    @Test
    void unlabeledRowsAreScoredWithoutMetrics(JavaSparkContext sc) throws IOException {
        PredictionMetrics m = predict(sc, "unlabeled", false, dir.resolve("unlabeled.csv").toString()).metrics();
        assertEquals(400, m.scored());
        assertEquals(0, m.labeled());
        assertEquals(null, m.accuracy());
        Map<String, Row> unlabeled = written(sc, "unlabeled");
        assertFalse(Arrays.asList(unlabeled.values().iterator().next().schema().fieldNames()).contains(Predictions.LABEL));
        predict(sc, "labeled", false, null);
        Map<String, Row> labeled = written(sc, "labeled");
        for (String id : labeled.keySet()) {
            assertArrayEquals(probability(labeled.get(id)), probability(unlabeled.get(id)), 0.0, id);
        }
    }

    @Test
    void dataOfAnotherWidthIsRefusedNamingTheFileAndLine(JavaSparkContext sc) throws IOException {
        Files.writeString(dir.resolve("wide.csv"), "id,label,f0,f1,f2,f3,f4,f5,f6\nx,0,1,2,3,4,5,6,7\n");
        Exception e = assertThrows(Exception.class, () -> predict(sc, "wide", false, dir.resolve("wide.csv").toString()));
        assertEquals(65, Main.exitCode(e).code(), Main.errorLines(e).toString());
        String line = String.join("\n", Main.errorLines(e));
        assertTrue(line.contains("wide.csv: line 2: wrong number of features: 7, the model has 6"), line);
        assertFalse(Files.exists(dir.resolve("wide")), "no output left");
    }

    @Test
    void badRecordsFailTheRunLeavingNothingOrAreSkippedAndCounted(JavaSparkContext sc) throws IOException {
        List<Object[]> rows = rows(50, 3);
        String text = csv(rows, true).replaceFirst("\nr3-7,1,[^,]*,", "\nr3-7,1,oops,");
        Files.writeString(dir.resolve("bad.csv"), text);
        Exception e = assertThrows(Exception.class, () -> predict(sc, "bad", false, dir.resolve("bad.csv").toString()));
        assertEquals(65, Main.exitCode(e).code());
        assertTrue(String.join("\n", Main.errorLines(e)).contains("bad.csv: line 9: column 2 (f0): 'oops' is not a number"),
                Main.errorLines(e).toString());
        assertFalse(Files.exists(dir.resolve("bad")), "no output left");
        try (var left = Files.list(dir)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".bad.")), "no lock or working directory");
        }

        PredictionMetrics m = predict(sc, "skipped", false, dir.resolve("bad.csv").toString(),
                "data.onBadRecord=skip", "data.maxBadFraction=0.05").metrics();
        assertEquals(50, m.records());
        assertEquals(49, m.scored());
        assertEquals(1, m.bad());
        assertTrue(m.problems().get(0).contains("line 9"), m.problems().toString());
        assertFalse(written(sc, "skipped").containsKey("r3-7"));

        Exception exists = assertThrows(Exception.class, () -> predict(sc, "skipped", false, null));
        assertEquals(73, Main.exitCode(exists).code());
        Exception missing = assertThrows(Exception.class, () -> new PredictJob(null, new PredictJob.Options(
                dir.resolve("no-such-run").toString(), null, null, dir.resolve("x").toString(), false, false, 64), List.of())
                .run(sc, new PrintWriter(new StringWriter())));
        assertEquals(66, Main.exitCode(missing).code());
        Exception noData = assertThrows(Exception.class, () -> predict(sc, "x", false, dir.resolve("none.csv").toString()));
        assertEquals(66, Main.exitCode(noData).code());
        assertTrue(Main.errorLines(noData).get(0).contains("none.csv: no such file or directory"), Main.errorLines(noData).toString());
        assertNotEquals(null, Main.errorLines(missing).get(0));
        assertTrue(String.format(Locale.ROOT, "%s", Main.errorLines(missing)).contains("no such model"));
    }
}
