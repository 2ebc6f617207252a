package io.normdrop.data;

import io.normdrop.config.BadRecordPolicy;
import io.normdrop.config.DataConfig;
import io.normdrop.config.DataFormat;
import io.normdrop.config.Normalization;
import io.normdrop.testing.DataSources;
import io.normdrop.testing.LocalSpark;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import scala.Tuple2;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every format read on Spark, every kind of bad record reported, scaling and balanced batches. */
@ExtendWith(LocalSpark.class)
class DataLoaderIT {
    @TempDir
    Path dir;

    static DataConfig config(DataFormat format, String train, String test, DataConfig.Csv csv, DataConfig.Parquet parquet,
                             BadRecordPolicy policy, double maxBad, Normalization normalization) {
        return new DataConfig(format, DataSources.at("train", train, 0), DataSources.at("test", test, 0), 4, List.of(), 0, 0,
                csv, parquet, policy, maxBad, normalization);
    }

    static DataConfig csv(String train, String test) {
        return config(DataFormat.CSV, train, test, DataSources.csv(), DataSources.parquet(),
                BadRecordPolicy.FAIL, 0.01, Normalization.NONE);
    }

    /** Examples in a canonical order (by label, then features), as dense rows with the label last. */
    static List<float[]> rows(LoadedData d) {
        int f = d.features();
        List<float[]> out = new ArrayList<>(d.examples().values().map(e -> {
            float[] r = new float[f + 1];
            e.copyTo(r, 0, f);
            r[f] = e.label();
            return r;
        }).collect());
        out.sort(Comparator.comparing((float[] r) -> r[f]).thenComparing(Arrays::toString));
        return out;
    }

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void theSameDataReadsTheSameFromIdxCsvLibsvmAndParquet(JavaSparkContext sc) throws IOException {
        SyntheticData synthetic = new SyntheticData(300, 16, 3, 0.3, 5);
        Configuration hadoop = sc.hadoopConfiguration();
        String[] idx = synthetic.write(dir.toString(), "train", SyntheticData.Format.IDX, 0, hadoop);
        String[] csvFile = synthetic.write(dir.toString(), "train", SyntheticData.Format.CSV, 0, hadoop);
        String parquet = synthetic.writeParquet(sc, dir.toString(), "train", 0, 3);
        DataConfig.Csv header = new DataConfig.Csv(true, ",", "label");

        LoadedData fromCsv = new DataLoader(sc, config(DataFormat.CSV, csvFile[0], csvFile[0], header,
                DataSources.parquet(), BadRecordPolicy.FAIL, 0, Normalization.NONE)).train(0);
        LoadedData fromParquet = new DataLoader(sc, config(DataFormat.PARQUET, parquet, parquet, header,
                DataSources.parquet(), BadRecordPolicy.FAIL, 0, Normalization.NONE)).train(0);
        DataConfig idxConfig = new DataConfig(DataFormat.IDX, DataSources.idx("train", idx[0], idx[1], 0),
                DataSources.idx("test", idx[0], idx[1], 0), 4, List.of(), 0, 0, header, DataSources.parquet(),
                BadRecordPolicy.FAIL, 0, Normalization.NONE);
        LoadedData fromIdx = new DataLoader(sc, idxConfig).train(0);

        for (LoadedData d : List.of(fromCsv, fromParquet, fromIdx)) {
            assertEquals(300, d.count());
            assertEquals(16, d.features());
            assertEquals(3, d.classes(), "classes inferred: largest label + 1");
            assertArrayEquals(new long[]{100, 100, 100}, d.summary().labelCounts());
        }
        List<float[]> csvRows = rows(fromCsv);
        List<float[]> parquetRows = rows(fromParquet);
        // IDX pixels are scaled to [0, 1] as they are read: scaled back, they are the same bytes.
        List<float[]> idxRows = rows(fromIdx).stream().map(r -> {
            float[] bytes = r.clone();
            for (int j = 0; j < 16; j++) {
                bytes[j] = Math.round(r[j] * 255);
            }
            return bytes;
        }).sorted(Comparator.comparing((float[] r) -> r[16]).thenComparing(Arrays::toString)).toList();
        for (int i = 0; i < 300; i++) {
            assertArrayEquals(csvRows.get(i), parquetRows.get(i));
            assertArrayEquals(csvRows.get(i), idxRows.get(i));
        }
        // The test set is checked against the training set's features and classes.
        DataConfig csvWithHeader = config(DataFormat.CSV, csvFile[0], csvFile[0], header, DataSources.parquet(),
                BadRecordPolicy.FAIL, 0, Normalization.NONE);
        assertEquals(300, new DataLoader(sc, csvWithHeader).test(fromCsv).count());

        // LibSVM, written from the same values (zeros left out), read as Spark's libsvm source reads it.
        StringBuilder svm = new StringBuilder("# label index:value ...\n");
        for (float[] r : csvRows) {
            svm.append((int) r[16]);
            for (int j = 0; j < 16; j++) {
                if (r[j] != 0) {
                    svm.append(' ').append(j + 1).append(':').append(r[j]);
                }
            }
            svm.append('\n');
        }
        Path svmFile = write("train.svm", svm.toString());
        LoadedData fromLibsvm = new DataLoader(sc, config(DataFormat.LIBSVM, svmFile.toString(), svmFile.toString(),
                DataSources.csv(), DataSources.parquet(), BadRecordPolicy.FAIL, 0, Normalization.NONE)).train(0);
        List<float[]> libsvmRows = rows(fromLibsvm);
        List<Row> spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate().read().format("libsvm")
                .option("numFeatures", fromLibsvm.features()).load(svmFile.toString())
                .collectAsList();
        List<float[]> sparkRows = new ArrayList<>();
        for (Row r : spark) {
            double[] v = ((Vector) r.getAs("features")).toArray();
            float[] row = new float[v.length + 1];
            for (int j = 0; j < v.length; j++) {
                row[j] = (float) v[j];
            }
            row[v.length] = (float) r.getDouble(0);
            sparkRows.add(row);
        }
        sparkRows.sort(Comparator.comparing((float[] r) -> r[r.length - 1]).thenComparing(Arrays::toString));
        assertEquals(sparkRows.size(), libsvmRows.size());
        for (int i = 0; i < sparkRows.size(); i++) {
            assertArrayEquals(sparkRows.get(i), libsvmRows.get(i), "libsvm example " + i + " as Spark's libsvm source reads it");
        }
        List.of(fromCsv, fromParquet, fromIdx, fromLibsvm).forEach(LoadedData::release);
    }

    @Test
    void everyBadRecordIsReportedWithFileAndLineBeforeTraining(JavaSparkContext sc) throws IOException {
        Path train = write("train.csv", String.join("\n", "0,1,2", "1,2,3", "1,2", "2,x,1", "", "0,NaN,1", "1.5,1,1",
                "1,1,1") + "\n");
        DataException e = assertThrows(DataException.class, () -> new DataLoader(sc, csv(train.toString(), train.toString())).train(3));
        List<String> lines = e.getMessage().lines().toList();
        assertEquals("data.train: 4 bad record(s) of 7 in " + train + " (data.onBadRecord = fail; skip leaves them out)",
                lines.get(0));
        String file = "file:" + train;
        assertEquals(List.of(
                file + ": line 3: wrong number of features: 1, the training data has 2 (2 fields with the label)",
                file + ": line 4: column 1: 'x' is not a number",
                file + ": line 6: column 1 is NaN (NaN or infinite)",
                file + ": line 7: label 1.5 is not an integer"), lines.subList(1, lines.size()));

        DataConfig skip = config(DataFormat.CSV, train.toString(), train.toString(), DataSources.csv(),
                DataSources.parquet(), BadRecordPolicy.SKIP, 0.6, Normalization.NONE);
        LoadedData kept = new DataLoader(sc, skip).train(3);
        assertEquals(3, kept.count());
        assertEquals(4, kept.skipped());
        assertEquals(4, kept.problems().size());
        DataConfig strict = config(DataFormat.CSV, train.toString(), train.toString(), DataSources.csv(),
                DataSources.parquet(), BadRecordPolicy.SKIP, 0.5, Normalization.NONE);
        DataException tooMany = assertThrows(DataException.class, () -> new DataLoader(sc, strict).train(3));
        assertTrue(tooMany.getMessage().startsWith("data.train: 4 bad record(s) of 7 in " + train
                + ": 57.14% is more than data.maxBadFraction = 0.5"), tooMany.getMessage());
        kept.release();
    }

    @Test
    void aBadLineFarIntoASplitFileIsNamedByItsLineNumber(JavaSparkContext sc) throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= 5000; i++) {
            text.append(i % 2).append(',').append(i).append(',').append(i == 4321 ? "oops" : "1").append('\n');
        }
        Path train = write("big.csv", text.toString());
        sc.hadoopConfiguration().set("mapreduce.input.fileinputformat.split.maxsize", "4096");
        try {
            DataLoader loader = new DataLoader(sc, csv(train.toString(), train.toString()));
            DataException e = assertThrows(DataException.class, () -> loader.train(2));
            assertTrue(e.getMessage().endsWith("big.csv: line 4321: column 2: 'oops' is not a number"), e.getMessage());
        } finally {
            sc.hadoopConfiguration().unset("mapreduce.input.fileinputformat.split.maxsize");
        }
    }

    @Test
    void unreadableAndEmptyInputsAreOneLineEach(JavaSparkContext sc) throws IOException {
        Path gz = dir.resolve("train.csv.gz");
        try (OutputStream os = new GZIPOutputStream(Files.newOutputStream(gz))) {
            for (int i = 0; i < 20000; i++) {
                os.write((i % 2 + "," + i + "," + (i * 7 % 13) + "\n").getBytes(StandardCharsets.US_ASCII));
            }
        }
        assertEquals(20000, new DataLoader(sc, csv(gz.toString(), gz.toString())).train(2).count(), "gzip is decompressed");
        byte[] whole = Files.readAllBytes(gz);
        Path truncated = dir.resolve("truncated.csv.gz");
        Files.write(truncated, Arrays.copyOf(whole, whole.length / 2));
        DataException corrupt = assertThrows(DataException.class,
                () -> new DataLoader(sc, csv(truncated.toString(), truncated.toString())).train(2));
        assertTrue(corrupt.getMessage().matches(".*truncated.csv.gz: unreadable after line \\d+: .*\\(corrupt or truncated gzip\\?\\)"),
                corrupt.getMessage());

        String missing = dir.resolve("missing.csv").toString();
        assertThrows(MissingInputException.class, () -> new DataLoader(sc, csv(missing, missing)).train(2));
        Path empty = write("empty.csv", "\n\n");
        DataException none = assertThrows(DataException.class, () -> new DataLoader(sc, csv(empty.toString(), empty.toString())).train(2));
        assertEquals(empty + ": empty data set (no records)", none.getMessage());
        Path oneClass = write("one.csv", "0,1\n0,2\n");
        DataException single = assertThrows(DataException.class,
                () -> new DataLoader(sc, csv(oneClass.toString(), oneClass.toString())).train(0));
        assertTrue(single.getMessage().contains("every example has label 0; a classifier needs at least 2 classes"), single.getMessage());
    }

    @Test
    void aTestSetThatDisagreesWithTheTrainingSetIsBad(JavaSparkContext sc) throws IOException {
        Path train = write("t.csv", "0,1,2\n1,2,3\n2,3,4\n");
        Path test = write("v.csv", "0,1,2\n3,1,2\n1,1,2,3\n");
        DataLoader loader = new DataLoader(sc, csv(train.toString(), test.toString()));
        LoadedData t = loader.train(0);
        assertEquals(3, t.classes());
        DataException e = assertThrows(DataException.class, () -> loader.test(t));
        assertTrue(e.getMessage().contains("line 2: label 3 out of range: the training data has 3 classes (0..2)"), e.getMessage());
        assertTrue(e.getMessage().contains("line 3: wrong number of features: 3, the training data has 2"), e.getMessage());
        t.release();
    }

    @Test
    void parquetTakesArraysVectorsOrColumnsAndNamesBadRows(JavaSparkContext sc) {
        SparkSession spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
        StructType vectors = new StructType().add("y", DataTypes.LongType).add("v", new VectorUDT());
        String vectorPath = dir.resolve("vectors.parquet").toString();
        spark.createDataFrame(List.of(RowFactory.create(1L, Vectors.dense(1, 2, 3)),
                RowFactory.create(0L, Vectors.sparse(3, new int[]{2}, new double[]{5}))), vectors)
                .coalesce(1).write().parquet(vectorPath);
        DataConfig.Parquet yv = new DataConfig.Parquet("y", "v");
        LoadedData v = new DataLoader(sc, config(DataFormat.PARQUET, vectorPath, vectorPath, DataSources.csv(), yv,
                BadRecordPolicy.FAIL, 0, Normalization.NONE)).train(0);
        assertEquals(List.of("[0.0, 0.0, 5.0, 0.0]", "[1.0, 2.0, 3.0, 1.0]"),
                rows(v).stream().map(Arrays::toString).toList());

        StructType columns = new StructType().add("a", DataTypes.DoubleType).add("label", DataTypes.IntegerType)
                .add("b", DataTypes.ShortType);
        String columnPath = dir.resolve("columns.parquet").toString();
        spark.createDataFrame(List.of(RowFactory.create(0.5, 1, (short) 2), RowFactory.create(Double.NaN, 0, (short) 1),
                RowFactory.create(1.0, null, (short) 1), RowFactory.create(2.0, 0, (short) 3)), columns)
                .coalesce(1).write().parquet(columnPath);
        DataConfig columnsConfig = config(DataFormat.PARQUET, columnPath, columnPath, DataSources.csv(),
                new DataConfig.Parquet("label", null), BadRecordPolicy.FAIL, 0, Normalization.NONE);
        DataException e = assertThrows(DataException.class, () -> new DataLoader(sc, columnsConfig).train(2));
        List<String> lines = e.getMessage().lines().toList();
        assertEquals(3, lines.size(), e.getMessage());
        assertTrue(lines.get(1).matches("file:.*columns.parquet/part-.*: record 1: column a is NaN"), lines.get(1));
        assertTrue(lines.get(2).matches("file:.*columns.parquet/part-.*: record 2: label is null"), lines.get(2));

        DataException noColumn = assertThrows(DataException.class, () -> new DataLoader(sc, config(DataFormat.PARQUET,
                columnPath, columnPath, DataSources.csv(), DataSources.parquet(), BadRecordPolicy.FAIL, 0,
                Normalization.NONE)).train(2));
        assertEquals(columnPath + ": no column 'features' (data.parquet.features); the columns are a double, label int, b smallint",
                noColumn.getMessage());
        v.release();
    }

    @Test
    void scalingIsFittedOnTheExecutorsAndAConstantFeatureIsOnlyShifted(JavaSparkContext sc) throws IOException {
        Path train = write("s.csv", "0,1,5,10\n1,3,5,20\n0,5,5,30\n1,7,5,40\n");
        LoadedData d = new DataLoader(sc, csv(train.toString(), train.toString())).train(0);
        FeatureScaler standardize = FeatureScaler.fit(Normalization.STANDARDIZE, d.examples().values(), 3);
        assertArrayEquals(new float[]{4, 5, 25}, standardize.shift(), 1e-6f);
        // Sample standard deviations; the constant middle feature keeps scale 1.
        assertArrayEquals(new float[]{(float) Math.sqrt(20 / 3.0), 1, (float) Math.sqrt(500 / 3.0)}, standardize.scale(), 1e-5f);
        FeatureScaler minmax = FeatureScaler.fit(Normalization.MINMAX, d.examples().values(), 3);
        float[] x = {1, 5, 40};
        minmax.apply(x, 1);
        assertArrayEquals(new float[]{0, 0, 1}, x);
        d.release();
    }

    @Test
    void everyEpochPlacesEveryExampleOnceInBalancedFreshlyShuffledPartitions(JavaSparkContext sc) throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 1003; i++) {
            text.append(i % 2).append(',').append(i).append('\n');
        }
        Path train = write("ids.csv", text.toString());
        LoadedData d = new DataLoader(sc, csv(train.toString(), train.toString())).train(0);
        ReshuffledEpochs batches = new ReshuffledEpochs(d, 10, 16, 42, null);
        long[] sizes = batches.partitionExamples();
        assertEquals(10, sizes.length);
        assertEquals(1003, Arrays.stream(sizes).sum());
        assertTrue(Arrays.stream(sizes).allMatch(s -> s == 100 || s == 101), Arrays.toString(sizes));

        List<List<Integer>> epoch1 = idsByPartition(batches, 1);
        List<List<Integer>> epoch1Again = idsByPartition(batches, 1);
        List<List<Integer>> epoch2 = idsByPartition(batches, 2);
        assertEquals(epoch1, epoch1Again, "the order derives from the seed and the epoch only");
        assertNotEquals(epoch1, epoch2);
        for (List<List<Integer>> epoch : List.of(epoch1, epoch2)) {
            assertEquals(Arrays.stream(sizes).boxed().map(Long::intValue).toList(), epoch.stream().map(List::size).toList());
            Set<Integer> all = epoch.stream().flatMap(List::stream).collect(Collectors.toSet());
            assertEquals(1003, all.size(), "every example exactly once");
        }
        // Shuffled across the whole set: partition 0 holds examples from everywhere.
        Set<Integer> tenths = new HashSet<>();
        epoch1.get(0).forEach(id -> tenths.add(id / 101));
        assertTrue(tenths.size() >= 8, "partition 0 draws from " + tenths.size() + " tenths of the data");
        d.release();
    }

    private static List<List<Integer>> idsByPartition(ReshuffledEpochs batches, int epoch) {
        return batches.epoch(epoch).mapPartitionsWithIndex((p, it) -> {
            List<Integer> ids = new ArrayList<>();
            while (it.hasNext()) {
                DataSet ds = it.next();
                for (int r = 0; r < ds.numExamples(); r++) {
                    ids.add((int) ds.getFeatures().getFloat(r, 0));
                }
            }
            return List.of(new Tuple2<>(p, ids)).iterator();
        }, true).collect().stream().sorted(Comparator.comparing(Tuple2::_1)).map(Tuple2::_2).toList();
    }
}
