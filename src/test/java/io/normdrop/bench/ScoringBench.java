package io.normdrop.bench;

import io.normdrop.config.JobFiles;
import io.normdrop.config.LoadedJob;
import io.normdrop.config.SparkSettings;
import io.normdrop.data.IdxReader;
import io.normdrop.data.KeyedRecord;
import io.normdrop.data.LabeledImages;
import io.normdrop.data.ScoringData;
import io.normdrop.job.PredictJob;
import io.normdrop.job.SparkContexts;
import io.normdrop.score.PredictionMetrics;
import io.normdrop.score.Predictions;
import io.normdrop.score.ScoringNetwork;
import io.normdrop.score.TrainedModel;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import scala.Tuple2;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import static org.apache.spark.ml.functions.array_to_vector;
import static org.apache.spark.sql.functions.col;

/**
 * Issue 14's measurements, {@code deploy/bench.sh scoring}: rows/s of scoring with a trained
 * 784-512-256-10 network (jobs/fashion-mnist.conf, one epoch) on Spark local[2].
 *
 * <p>The Fashion-MNIST test set, materialized in memory on every side (each variant's own input
 * form cached deserialized and counted first), each variant run once to warm up and then twice
 * in the order n m d j f f j d m n n m d j f, all of them writing every prediction and probability
 * as DataFrame rows to Spark's {@code noop} sink or, for the one JVM, an array: (n) Normdrop's executor scoring with
 * the folded model, (f) the same with the unfolded {@code model.zip}, (m) MLlib's
 * {@code MultilayerPerceptronClassificationModel.transform} of the same layer sizes (fitted for
 * one L-BFGS iteration: its speed does not depend on the weights), (d) dl4j-spark's
 * {@code SparkDl4jMultiLayer.feedForwardWithKey} with the folded network, batch 1024 (its rows
 * cached as float arrays, made INDArrays in the job: cached INDArrays crash it), and (j)
 * one JVM calling {@code output()} over batches of 1024.
 *
 * <p>1,000,000 synthetic rows ({@code normdrop generate}, Parquet, 784 features), read from the
 * files and written back as Parquet: (n) {@code normdrop predict} in this JVM, (m) MLlib reading
 * the same Parquet ({@code array_to_vector}), transforming and writing prediction, probability
 * and label; (d) dl4j-spark from the same Parquet (a row index as key), writing key and
 * probabilities. The peak RSS of the real command on the
 * same rows is measured by bench.sh around {@code deploy/local.sh predict}.
 */
final class ScoringBench {
    private static final int BATCH = 1024;
    /** Rows of the Fashion-MNIST test set. */
    private static final int TEST_ROWS = 10_000;

    private ScoringBench() {
    }

    static void scoring(Map<String, Object> results, StringBuilder md, Path model, Path million) throws Exception {
        try (JavaSparkContext sc = new JavaSparkContext(SparkContexts.conf(
                new SparkSettings(null, "normdrop-bench", Map.of("spark.ui.enabled", "false")), "local[2]"))) {
            SparkSession spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
            TrainedModel folded = TrainedModel.load(model.toString(), false, new Configuration());
            TrainedModel unfolded = TrainedModel.load(model.toString(), true, new Configuration());
            LoadedJob job = JobFiles.of(folded.job().resolved(), "bench", List.of());
            LabeledImages test = new IdxReader(sc.hadoopConfiguration()).read(job.config().data().test(), 10);
            int n = test.count();
            int features = test.features();
            float[] x = new float[n * features];
            for (int i = 0; i < x.length; i++) {
                x[i] = (test.pixels()[i] & 0xFF) / 255f;
            }

            // Each side's input, materialized.
            JavaRDD<KeyedRecord> records = ScoringData.read(sc, job.config().data(), job.config().data().test(),
                    features, folded.classes(), List.of()).records().persist(StorageLevel.MEMORY_ONLY());
            records.count();
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                double[] v = new double[features];
                for (int j = 0; j < features; j++) {
                    v[j] = x[i * features + j];
                }
                rows.add(RowFactory.create((double) test.label(i), Vectors.dense(v)));
            }
            Dataset<Row> df = spark.createDataFrame(rows, DataTypes.createStructType(List.of(
                    DataTypes.createStructField("label", DataTypes.DoubleType, false),
                    DataTypes.createStructField("features", SQLDataTypes.VectorType(), false)))).repartition(2)
                    .persist(StorageLevel.MEMORY_ONLY());
            df.count();
            // dl4j-spark's input is (key, INDArray) pairs; cached INDArrays crash its feedForwardWithKey in
            // native code (SIGSEGV in memcpy, local mode), so the rows are cached as floats and made
            // INDArrays as a user's map would, inside the timed job.
            List<Tuple2<Long, float[]>> pairs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                pairs.add(new Tuple2<>((long) i, java.util.Arrays.copyOfRange(x, i * features, (i + 1) * features)));
            }
            JavaPairRDD<Long, float[]> floatPairs = sc.parallelizePairs(pairs, 2).persist(StorageLevel.MEMORY_ONLY());
            floatPairs.count();
            JavaPairRDD<Long, INDArray> pairRdd = floatPairs.mapValues(v -> Nd4j.create(v, new long[]{1, v.length}, DataType.FLOAT));
            MultilayerPerceptronClassificationModel mllib = new MultilayerPerceptronClassifier()
                    .setLayers(new int[]{features, 512, 256, folded.classes()}).setMaxIter(1).setSeed(1)
                    .fit(df.limit(2000));

            Map<String, Supplier<Long>> variants = new LinkedHashMap<>();
            variants.put("(n) Normdrop executor scoring, folded model-inference.zip", () -> normdrop(sc, spark, records, folded));
            variants.put("(m) MLlib MultilayerPerceptronClassificationModel.transform", () -> {
                mllib.transform(df).select("prediction", "probability").write().format("noop").mode(SaveMode.Overwrite).save();
                return (long) n;
            });
            variants.put("(d) dl4j-spark SparkDl4jMultiLayer.feedForwardWithKey, batch 1024",
                    // A fresh copy each call, as Normdrop broadcasts a fresh copy: in local mode dl4j-spark
                    // closes the broadcast parameters, which are the network's own arrays.
                    () -> dl4j(sc, spark, folded, pairRdd, "noop", null));
            variants.put("(j) one JVM, MultiLayerNetwork.output over batches of 1024", () -> oneJvm(folded.network(), x, n, features));
            variants.put("(f) Normdrop executor scoring, unfolded model.zip", () -> normdrop(sc, spark, records, unfolded));
            Map<String, List<Double>> seconds = new LinkedHashMap<>();
            variants.forEach((k, v) -> {
                v.get(); // warm-up, alike for all
                seconds.put(k, new ArrayList<>());
            });
            List<String> order = new ArrayList<>(variants.keySet());
            List<String> backwards = new ArrayList<>(order);
            java.util.Collections.reverse(backwards);
            List<String> interleaved = new ArrayList<>(order);
            interleaved.addAll(backwards);
            interleaved.addAll(order);
            for (String k : interleaved) {
                long t0 = System.nanoTime();
                long scored = variants.get(k).get();
                seconds.get(k).add((System.nanoTime() - t0) / 1e9);
                if (scored != n) {
                    throw new IllegalStateException(k + " scored " + scored + " of " + n);
                }
            }
            md.append(String.format(Locale.ROOT, "## Scoring the Fashion-MNIST test set (%,d rows, in memory), local[2]%n%n", n));
            md.append("| variant | rows/s (median of 3) | vs MLlib | vs dl4j-spark | vs one JVM |\n|---|---|---|---|---|\n");
            Map<String, Double> rate = new LinkedHashMap<>();
            seconds.forEach((k, s) -> rate.put(k, n / Benchmarks.median(s)));
            double m = rate.get(order.get(1));
            double d = rate.get(order.get(2));
            double j = rate.get(order.get(3));
            Map<String, Object> testJson = new LinkedHashMap<>();
            rate.forEach((k, r) -> {
                md.append(String.format(Locale.ROOT, "| %s | %,.0f | %.2f | %.2f | %.2f |%n", k, r, r / m, r / d, r / j));
                testJson.put(k, Map.of("seconds", seconds.get(k), "rowsPerSecond", r));
            });
            results.put("scoringTestSet", testJson);
            records.unpersist();
            df.unpersist();
            floatPairs.unpersist();
            if (million != null) {
                results.put("scoring1M", million(sc, spark, md, model, million, mllib));
            }
        }
    }

    private static long normdrop(JavaSparkContext sc, SparkSession spark, JavaRDD<KeyedRecord> records, TrainedModel model) {
        Predictions p = new Predictions(List.of(), true, model.classNames(), BATCH);
        Broadcast<ScoringNetwork> network = sc.broadcast(new ScoringNetwork(model.network(), model.scaler(), 1));
        try {
            JavaRDD<Row> scored = p.score(records, network);
            spark.createDataFrame(Predictions.goodRows(scored), p.schema()).write().format("noop").mode(SaveMode.Overwrite).save();
            return TEST_ROWS;
        } finally {
            network.destroy();
        }
    }

    /**
     * dl4j-spark's scoring, its output made the rows a user would write (key and probabilities),
     * written as Normdrop's are: to {@code format} at {@code path} (noop: nowhere).
     */
    private static long dl4j(JavaSparkContext sc, SparkSession spark, TrainedModel model,
                             JavaPairRDD<Long, INDArray> pairs, String format, String path) {
        // A fresh copy each call, as Normdrop broadcasts a fresh copy: in local mode dl4j-spark
        // closes the broadcast parameters, which are the network's own arrays.
        JavaRDD<Row> rows = new SparkDl4jMultiLayer(sc, model.network().clone(), null).feedForwardWithKey(pairs, BATCH)
                .map(t -> RowFactory.create(t._1(), t._2().toDoubleVector()));
        org.apache.spark.sql.DataFrameWriter<Row> writer = spark.createDataFrame(rows, DataTypes.createStructType(List.of(
                        DataTypes.createStructField("key", DataTypes.LongType, false),
                        DataTypes.createStructField(Predictions.PROBABILITY,
                                DataTypes.createArrayType(DataTypes.DoubleType, false), false))))
                .write().format(format).mode(SaveMode.Overwrite);
        if (path == null) {
            writer.save();
        } else {
            writer.save(path);
        }
        return TEST_ROWS;
    }

    private static long oneJvm(MultiLayerNetwork network, float[] x, int n, int features) {
        long predicted = 0;
        for (int start = 0; start < n; start += BATCH) {
            int rows = Math.min(BATCH, n - start);
            INDArray batch = Nd4j.create(java.util.Arrays.copyOfRange(x, start * features, (start + rows) * features),
                    new long[]{rows, features}, DataType.FLOAT);
            INDArray out = network.output(batch, false);
            predicted += out.argMax(1).length();
        }
        return predicted;
    }

    private static Map<String, Object> million(JavaSparkContext sc, SparkSession spark, StringBuilder md, Path model,
                                               Path parquet, MultilayerPerceptronClassificationModel mllib) throws Exception {
        Path out = Files.createTempDirectory("normdrop-scoring");
        Map<String, Double> seconds = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        PredictionMetrics m = new PredictJob(null, new PredictJob.Options(model.toString(), parquet.toString(), null,
                out.resolve("normdrop").toString(), false, false, BATCH), List.of("data.format=parquet"))
                .run(sc, new PrintWriter(new StringWriter())).metrics();
        seconds.put("(n) normdrop predict: Parquet in, Parquet out", (System.nanoTime() - t0) / 1e9);
        long rows = m.scored();

        t0 = System.nanoTime();
        mllib.transform(spark.read().parquet(parquet.toString()).withColumn("features", array_to_vector(col("features"))))
                .select("label", "prediction", "probability").write().parquet(out.resolve("mllib").toString());
        seconds.put("(m) MLlib transform: Parquet in, Parquet out", (System.nanoTime() - t0) / 1e9);

        t0 = System.nanoTime();
        JavaPairRDD<Long, INDArray> pairs = spark.read().parquet(parquet.toString()).select("features").javaRDD()
                .zipWithIndex().mapToPair(t -> {
                    List<Float> f = t._1().getList(0);
                    float[] v = new float[f.size()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = f.get(i);
                    }
                    return new Tuple2<>(t._2(), Nd4j.create(v, new long[]{1, v.length}, DataType.FLOAT));
                });
        dl4j(sc, spark, TrainedModel.load(model.toString(), false, new Configuration()), pairs, "parquet",
                out.resolve("dl4j").toString());
        seconds.put("(d) dl4j-spark feedForwardWithKey: Parquet in, Parquet out (key, probability)",
                (System.nanoTime() - t0) / 1e9);
        long dl4jRows = spark.read().parquet(out.resolve("dl4j").toString()).count();
        if (dl4jRows != rows) {
            throw new IllegalStateException("dl4j-spark scored " + dl4jRows + " of " + rows);
        }
        org.apache.commons.io.FileUtils.deleteDirectory(out.toFile());

        double n = seconds.values().iterator().next();
        md.append(String.format(Locale.ROOT, "%n## Scoring %,d synthetic rows from Parquet, local[2]%n%n", rows));
        md.append("| variant | seconds | rows/s | Normdrop's speed-up |\n|---|---|---|---|\n");
        Map<String, Object> json = new LinkedHashMap<>();
        seconds.forEach((k, s) -> {
            md.append(String.format(Locale.ROOT, "| %s | %.1f | %,.0f | %.2f |%n", k, s, rows / s, s / n));
            json.put(k, Map.of("seconds", s, "rowsPerSecond", rows / s));
        });
        return json;
    }
}
