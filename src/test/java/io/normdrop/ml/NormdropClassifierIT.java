package io.normdrop.ml;

import io.normdrop.config.ConfigException;
import io.normdrop.config.JobConfig;
import io.normdrop.config.LayerKind;
import io.normdrop.config.Normalization;
import io.normdrop.data.DataException;
import io.normdrop.data.FeatureScaler;
import io.normdrop.testing.LocalSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import scala.collection.JavaConverters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Spark ML estimator with Spark's own machinery: in a Pipeline after VectorAssembler and
 * StandardScaler, saved and loaded; under CrossValidator; scored as MLlib's evaluator sees it and
 * as DL4J's evaluation of the same network does; refusing bad rows and columns by name; saved
 * unfitted with every param (also one saved under a param's former name); rawPrediction the
 * network's logits, probability their softmax, columns in MLlib's order (a LogisticRegression
 * model's, the control). Data: three Gaussian blobs in six columns of different scales.
 */
@ExtendWith(LocalSpark.class)
class NormdropClassifierIT {
    private static final String[] COLUMNS = {"x0", "x1", "x2", "x3", "x4", "x5"};
    private static final int CLASSES = 3;

    @TempDir
    Path dir;

    /**
     * {@code rows} rows: id, six columns, label (int). Every class has a centre (the same for every
     * {@code seed}), every row its class centre plus N(0, 1) noise, column j scaled by 10^(j mod 3).
     */
    static Dataset<Row> blobs(JavaSparkContext sc, int rows, long seed) {
        Random centres = new Random(1);
        double[][] centre = new double[CLASSES][COLUMNS.length];
        for (double[] c : centre) {
            for (int j = 0; j < c.length; j++) {
                c[j] = 1.5 * centres.nextGaussian();
            }
        }
        Random noise = new Random(seed);
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            int label = noise.nextInt(CLASSES);
            Object[] values = new Object[COLUMNS.length + 2];
            values[0] = (long) i;
            for (int j = 0; j < COLUMNS.length; j++) {
                values[j + 1] = (centre[label][j] + noise.nextGaussian()) * Math.pow(10, j % 3);
            }
            values[COLUMNS.length + 1] = label;
            out.add(RowFactory.create(values));
        }
        List<StructField> fields = new ArrayList<>();
        fields.add(DataTypes.createStructField("id", DataTypes.LongType, false));
        for (String c : COLUMNS) {
            fields.add(DataTypes.createStructField(c, DataTypes.DoubleType, false));
        }
        fields.add(DataTypes.createStructField("label", DataTypes.IntegerType, false));
        return spark(sc).createDataFrame(out, DataTypes.createStructType(fields)).repartition(2);
    }

    static SparkSession spark(JavaSparkContext sc) {
        return SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
    }

    /** A small, fast network: one hidden layer of 16, a few epochs. */
    static NormdropClassifier small() {
        return new NormdropClassifier().setLayers(16).setEpochs(3).setBatchSize(32).setAveragingPeriod(5)
                .setLearningRate(0.01).setSeed(7);
    }

    static PipelineStage[] assembleScaleClassify(NormdropClassifier classifier) {
        return new PipelineStage[]{
                new VectorAssembler().setInputCols(COLUMNS).setOutputCol("raw"),
                new StandardScaler().setInputCol("raw").setOutputCol("features").setWithMean(true),
                classifier};
    }

    static double accuracy(Dataset<Row> scored) {
        return scored.where(col("prediction").equalTo(col("label"))).count() / (double) scored.count();
    }

    @Test
    void aPipelineFitsScoresAndGivesTheSamePredictionsAfterSaveAndLoad(JavaSparkContext sc) throws IOException {
        Dataset<Row> train = blobs(sc, 1500, 11);
        Dataset<Row> test = blobs(sc, 600, 12);
        PipelineModel fitted = new Pipeline().setStages(assembleScaleClassify(small())).fit(train);
        NormdropClassificationModel model = (NormdropClassificationModel) fitted.stages()[2];
        assertEquals(COLUMNS.length, model.numFeatures());
        assertEquals(CLASSES, model.numClasses());

        Dataset<Row> scored = fitted.transform(test);
        double accuracy = accuracy(scored);
        assertTrue(accuracy > 0.85, "accuracy " + accuracy + " (chance: 1/3)");
        Dataset<Row> modelInput = fitted.stages()[1].transform(fitted.stages()[0].transform(test));
        assertEquals(model.transformSchema(modelInput.schema()), model.transform(modelInput).schema(),
                "the schema transformSchema promises, ML attributes included");

        String path = dir.resolve("pipeline").toString();
        fitted.save(path);
        PipelineModel loaded = PipelineModel.load(path);
        Dataset<Row> again = loaded.transform(test);

        List<Row> before = scored.select("id", "prediction", "probability", "rawPrediction").orderBy("id").collectAsList();
        List<Row> after = again.select("id", "prediction", "probability", "rawPrediction").orderBy("id").collectAsList();
        assertEquals(600, before.size());
        assertEquals(before, after, "every prediction and probability identical after save and load");
        for (Row r : before.subList(0, 10)) {
            Vector p = r.getAs("probability");
            assertEquals(1, p.toArray()[0] + p.toArray()[1] + p.toArray()[2], 1e-12);
            assertEquals(p.argmax(), r.getDouble(1));
        }
        // One row at a time gives the minibatch's probabilities.
        Row first = fitted.transform(test).orderBy("id").select("features", "probability").first();
        assertArrayEquals(((Vector) first.get(1)).toArray(),
                model.predictProbability((Vector) first.get(0)).toArray(), 1e-6);
    }

    @Test
    void crossValidatorComparesTwoGridPointsAndKeepsTheBestPipeline(JavaSparkContext sc) {
        Dataset<Row> data = blobs(sc, 900, 21);
        NormdropClassifier classifier = small();
        ParamMap[] grid = new ParamGridBuilder().addGrid(classifier.epochs(), new int[]{1, 2}).build();
        CrossValidatorModel cv = new CrossValidator()
                .setEstimator(new Pipeline().setStages(assembleScaleClassify(classifier)))
                .setEstimatorParamMaps(grid)
                .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy"))
                .setNumFolds(2)
                .setSeed(5)
                .fit(data);
        assertEquals(2, cv.avgMetrics().length);
        for (double m : cv.avgMetrics()) {
            assertTrue(m > 0.6, "fold accuracies " + Arrays.toString(cv.avgMetrics()));
        }
        PipelineModel best = assertInstanceOf(PipelineModel.class, cv.bestModel());
        NormdropClassificationModel model = assertInstanceOf(NormdropClassificationModel.class, best.stages()[2]);
        assertEquals(CLASSES, model.numClasses());
        assertTrue(accuracy(best.transform(data)) > 0.6);
    }

    /**
     * MLlib's evaluator on transform's output and DL4J's evaluation of the same network on the same
     * rows (features scaled by the model's own scaling, one output() call) count the same hits;
     * the model's scaling and job survive save and load.
     */
    @Test
    void mllibAccuracyEqualsDl4jEvaluationOfTheSameRows(JavaSparkContext sc) throws IOException {
        Dataset<Row> data = new VectorAssembler().setInputCols(COLUMNS).setOutputCol("features")
                .transform(blobs(sc, 2000, 31))
                .withColumn("isValidation", col("id").mod(4).equalTo(0));
        NormdropClassifier classifier = new NormdropClassifier()
                .setJob("data.normalization = standardize\ntraining { epochs = 3, batchSizePerWorker = 32 }")
                .setLayers(16).setLearningRate(0.01)
                .setValidationIndicatorCol("isValidation");
        NormdropClassificationModel model = classifier.fit(data);
        assertEquals(Normalization.STANDARDIZE, model.scaler().kind());
        assertTrue(model.trainingJob().contains("normalization = standardize")
                || model.trainingJob().contains("normalization=standardize"), model.trainingJob());

        Dataset<Row> validation = data.where(col("isValidation"));
        Dataset<Row> scored = model.transform(validation);
        double mllib = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(scored);

        List<Row> rows = validation.select("features", "label").collectAsList();
        int n = rows.size();
        float[] x = new float[n * COLUMNS.length];
        INDArray labels = Nd4j.zeros(DataType.FLOAT, n, CLASSES);
        for (int i = 0; i < n; i++) {
            double[] v = ((Vector) rows.get(i).get(0)).toArray();
            for (int j = 0; j < v.length; j++) {
                x[i * COLUMNS.length + j] = (float) v[j];
            }
            labels.putScalar(i, rows.get(i).getInt(1), 1);
        }
        model.scaler().apply(x, n);
        MultiLayerNetwork network = model.network();
        Evaluation dl4j = new Evaluation(CLASSES);
        dl4j.eval(labels, network.output(Nd4j.create(x, new long[]{n, COLUMNS.length}, 'c'), false));
        assertEquals(dl4j.accuracy(), mllib, 0.0, "MLlib's accuracy of transform's output = DL4J's of the network");
        assertTrue(mllib > 0.85, "accuracy " + mllib);

        String path = dir.resolve("model").toString();
        model.write().save(path);
        NormdropClassificationModel loaded = NormdropClassificationModel.load(path);
        FeatureScaler restored = loaded.scaler();
        assertArrayEquals(model.scaler().shift(), restored.shift());
        assertArrayEquals(model.scaler().scale(), restored.scale());
        assertEquals(model.trainingJob(), loaded.trainingJob());
        assertEquals(model.uid(), loaded.uid());
        assertEquals(mllib, new MulticlassClassificationEvaluator().setMetricName("accuracy")
                .evaluate(loaded.transform(validation)), 0.0);
    }

    /** The blobs with their six columns assembled into "features" (unscaled). */
    static Dataset<Row> assembled(JavaSparkContext sc, int rows, long seed) {
        return new VectorAssembler().setInputCols(COLUMNS).setOutputCol("features").transform(blobs(sc, rows, seed));
    }

    /**
     * rawPrediction holds the output layer's pre-softmax scores, probability their softmax (as
     * ProbabilisticClassificationModel documents), the prediction the largest raw score; one row
     * scored alone gives the same; thresholds apply to the probabilities, as MLlib's do.
     */
    @Test
    void rawPredictionIsTheLogitsWhoseSoftmaxIsTheProbability(JavaSparkContext sc) {
        Dataset<Row> data = assembled(sc, 600, 41);
        NormdropClassificationModel model = small().fit(data);
        List<Row> rows = model.transform(data).select("features", "rawPrediction", "probability", "prediction")
                .collectAsList();
        double largestGap = 0;
        for (Row r : rows) {
            double[] raw = ((Vector) r.get(1)).toArray();
            double[] probability = ((Vector) r.get(2)).toArray();
            assertArrayEquals(softmax(raw), probability, 1e-6, "softmax(rawPrediction) = probability");
            for (int k = 0; k < CLASSES; k++) {
                largestGap = Math.max(largestGap, Math.abs(raw[k] - probability[k]));
            }
            assertEquals(Vectors.dense(raw).argmax(), r.getDouble(3), "prediction = argmax(rawPrediction)");
        }
        assertTrue(largestGap > 1, "rawPrediction is not the probabilities: largest difference " + largestGap);

        Row first = rows.get(0);
        Vector features = (Vector) first.get(0);
        assertArrayEquals(((Vector) first.get(1)).toArray(), model.predictRaw(features).toArray(), 1e-5,
                "one row alone: the same raw scores");
        assertArrayEquals(((Vector) first.get(2)).toArray(), model.predictProbability(features).toArray(), 1e-6);

        // Thresholds favouring class 2 move some predictions: each the largest probability / threshold.
        double[] thresholds = {1, 1, 0.05};
        List<Row> thresholded = model.copy(new ParamMap()).setThresholds(thresholds).transform(data)
                .select("probability", "prediction").collectAsList();
        int moved = 0;
        for (int i = 0; i < rows.size(); i++) {
            double[] p = ((Vector) thresholded.get(i).get(0)).toArray();
            int expected = 0;
            for (int k = 1; k < CLASSES; k++) {
                expected = p[k] / thresholds[k] > p[expected] / thresholds[expected] ? k : expected;
            }
            assertEquals(expected, thresholded.get(i).getDouble(1), "prediction with thresholds, row " + i);
            moved += expected != rows.get(i).getDouble(3) ? 1 : 0;
        }
        assertTrue(moved > 0, "the thresholds moved no prediction");
    }

    static double[] softmax(double[] z) {
        double max = Arrays.stream(z).max().orElseThrow();
        double[] e = Arrays.stream(z).map(v -> Math.exp(v - max)).toArray();
        double sum = Arrays.stream(e).sum();
        return Arrays.stream(e).map(v -> v / sum).toArray();
    }

    /**
     * transform appends rawPrediction, probability and prediction in the order a
     * ProbabilisticClassificationModel of MLlib does (a LogisticRegression model on the same
     * frame, the control), with the same types and ML attributes; also with each of them, or all,
     * disabled (""); and transformSchema says so.
     */
    @Test
    void theColumnsComeInMllibsOrderAlsoWithOneDisabled(JavaSparkContext sc) {
        Dataset<Row> data = assembled(sc, 300, 51);
        LogisticRegressionModel control = new LogisticRegression().setMaxIter(5).fit(data);
        NormdropClassificationModel model = small().setEpochs(1).fit(data);
        String[] disabled = {null, "rawPredictionCol", "probabilityCol", "predictionCol", "all"};
        for (String off : disabled) {
            ParamMap empty = new ParamMap();
            for (String param : new String[]{"rawPredictionCol", "probabilityCol", "predictionCol"}) {
                if (param.equals(off) || "all".equals(off)) {
                    empty.put(control.getParam(param).w(""));
                }
            }
            LogisticRegressionModel lr = control.copy(empty);
            ParamMap ours = new ParamMap();
            for (var pair : JavaConverters.seqAsJavaList(empty.toSeq())) {
                ours.put(model.getParam(pair.param().name()).w(pair.value()));
            }
            NormdropClassificationModel normdrop = model.copy(ours);
            StructType expected = lr.transform(data).schema();
            StructType actual = normdrop.transform(data).schema();
            String what = off == null ? "all columns" : off + " disabled";
            assertArrayEquals(expected.fieldNames(), actual.fieldNames(), what + ": MLlib's order");
            for (StructField f : expected.fields()) {
                assertEquals(f.dataType(), actual.apply(f.name()).dataType(), what + ": " + f.name());
                assertEquals(f.metadata(), actual.apply(f.name()).metadata(), what + ": ML attributes of " + f.name());
            }
            assertArrayEquals(actual.fieldNames(), normdrop.transformSchema(data.schema()).fieldNames(),
                    what + ": transformSchema gives transform's order");
        }
    }

    /** Pipelines saved before averagingFrequency became averagingPeriod load, the value under its new name. */
    @Test
    void aClassifierSavedUnderTheParamsFormerNameAveragingFrequencyLoads(JavaSparkContext sc) throws IOException {
        spark(sc);
        String path = dir.resolve("former").toString();
        new NormdropClassifier().setAveragingPeriod(3).write().save(path);
        Path metadata = dir.resolve("former").resolve("metadata").resolve("part-00000");
        String saved = Files.readString(metadata);
        assertTrue(saved.contains("\"averagingPeriod\":3"), saved);
        Files.writeString(metadata, saved.replace("\"averagingPeriod\"", "\"averagingFrequency\""));
        Files.delete(metadata.resolveSibling(".part-00000.crc")); // Hadoop's checksum of the text before the edit

        NormdropClassifier loaded = NormdropClassifier.load(path);
        assertTrue(loaded.isSet(loaded.averagingPeriod()));
        assertEquals(3, loaded.getAveragingPeriod());
        assertEquals(3, loaded.getAveragingFrequency(), "the deprecated getter reads averagingPeriod");
        assertEquals(4, loaded.setAveragingFrequency(4).getAveragingPeriod(), "the deprecated setter sets it");
        assertEquals(12, loaded.setAveragingPeriod(12).loadJob().config().training().averagingPeriod(),
                "the job key it sets");
    }

    @Test
    void badRowsAndColumnsAreRefusedByName(JavaSparkContext sc) {
        StructType schema = new StructType()
                .add("features", new VectorUDT(), true)
                .add("label", DataTypes.DoubleType, true)
                .add("x", DataTypes.DoubleType, true);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            double label = i == 7 ? 1.5 : i % 2;
            Vector features = i == 9 ? Vectors.dense(1, Double.NaN) : Vectors.dense(i, -i);
            rows.add(RowFactory.create(features, label, (double) i));
        }
        Dataset<Row> data = spark(sc).createDataFrame(rows, schema);

        DataException bad = assertThrows(DataException.class, () -> small().fit(data));
        assertTrue(bad.getMessage().contains("2 bad record(s) of 40"), bad.getMessage());
        assertTrue(bad.getMessage().contains("column 'label': record 7: label 1.5 is not an integer"), bad.getMessage());
        assertTrue(bad.getMessage().contains("column 'features': record 9: feature 1 is NaN"), bad.getMessage());

        IllegalArgumentException notVector = assertThrows(IllegalArgumentException.class,
                () -> small().setFeaturesCol("x").fit(data));
        assertTrue(notVector.getMessage().contains("features column 'x' is double; expected a Spark ML vector"),
                notVector.getMessage());

        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> small().setLabelCol("class").fit(data));
        assertTrue(missing.getMessage().contains("no label column 'class' (labelCol)"), missing.getMessage());
    }

    @Test
    void anUnfittedClassifierSavesAndLoadsEveryParamAlsoInAPipeline() throws IOException {
        NormdropClassifier original = new NormdropClassifier()
                .setJob("training.updater.type = sgd").setLayers(32, 16, 8).setKeep(0.8).setWeightNorm(false)
                .setEpochs(7).setWorkers(1).setAveragingPeriod(3).setBatchSize(16).setLearningRate(0.05)
                .setSeed(123).setValidationIndicatorCol("isVal")
                .setFeaturesCol("f").setLabelCol("y").setProbabilityCol("p").setThresholds(new double[]{0.5, 0.3, 0.2});
        original.write().save(dir.resolve("classifier").toString());
        assertSameParams(original, NormdropClassifier.load(dir.resolve("classifier").toString()));

        NormdropClassifier defaults = new NormdropClassifier();
        defaults.write().save(dir.resolve("defaults").toString());
        assertSameParams(defaults, NormdropClassifier.load(dir.resolve("defaults").toString()));

        new Pipeline().setStages(new PipelineStage[]{original}).write().save(dir.resolve("pipeline").toString());
        PipelineStage stage = Pipeline.load(dir.resolve("pipeline").toString()).getStages()[0];
        assertSameParams(original, assertInstanceOf(NormdropClassifier.class, stage));
    }

    @SuppressWarnings("unchecked")
    private static void assertSameParams(NormdropClassifier expected, NormdropClassifier actual) {
        assertEquals(expected.uid(), actual.uid());
        assertEquals(expected.params().length, actual.params().length);
        for (Param<?> p : expected.params()) {
            Param<Object> q = (Param<Object>) actual.getParam(p.name());
            assertEquals(expected.isSet(p), actual.isSet(q), p.name() + " set");
            assertEquals(expected.isDefined(p), actual.isDefined(q), p.name() + " defined");
            if (expected.isDefined(p)) {
                Object e = expected.getOrDefault(p);
                Object a = actual.getOrDefault(q);
                assertTrue(Objects.deepEquals(e, a), p.name() + ": " + e + " vs " + a);
            }
        }
    }

    /** The job text sits between the params' defaults and the params set, as a job file under --set. */
    @Test
    void paramsSetWinOverTheJobWhichWinsOverTheDefaults() {
        JobConfig defaults = new NormdropClassifier().loadJob().config();
        assertEquals(5, defaults.training().epochs());
        assertEquals(64, defaults.training().batchSizePerWorker());
        assertEquals(3, defaults.model().layers().size());
        assertEquals(LayerKind.WEIGHTNORM_DENSE, defaults.model().layers().get(0).kind());

        NormdropClassifier c = new NormdropClassifier().setJob("training { epochs = 9, l2 = 0.001 }");
        assertEquals(9, c.loadJob().config().training().epochs());
        assertEquals(0.001, c.loadJob().config().training().l2());
        assertEquals(2, c.setEpochs(2).loadJob().config().training().epochs());

        JobConfig plain = new NormdropClassifier().setLayers(8).setKeep(0.5).setWeightNorm(false).loadJob().config();
        assertEquals(2, plain.model().layers().size());
        assertEquals(LayerKind.DENSE, plain.model().layers().get(0).kind());
        assertEquals(LayerKind.OUTPUT, plain.model().layers().get(1).kind());
        assertEquals(1.0, plain.model().layers().get(0).dropout().keep(), "no dropout on the raw features");
        assertEquals(0.5, plain.model().layers().get(1).dropout().keep(), "dropout on the hidden layer's output");

        assertThrows(ConfigException.class, () -> new NormdropClassifier().setJob("training.epochs = -1").loadJob());
        IllegalArgumentException output = assertThrows(IllegalArgumentException.class,
                () -> new NormdropClassifier().setJob("output.dir = x").loadJob());
        assertTrue(output.getMessage().contains("'output'"), output.getMessage());
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> new NormdropClassifier()
                .setJob("model.layers = [ { type = output } ]").setLayers(4).loadJob());
        assertTrue(both.getMessage().contains("model.layers"), both.getMessage());
        assertFalse(new NormdropClassifier().setJob("model.layers = [ { type = output } ]").loadJob().config()
                .model().layers().isEmpty());
    }
}
