package io.normdrop.job;

import io.normdrop.config.JobFiles;
import io.normdrop.data.SyntheticData;
import io.normdrop.testing.LocalSpark;
import io.normdrop.train.TrainingInputs;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parquet, the one reader that needs Spark, fuzzed with the mutator of {@link ReadersMutationTest}:
 * mutated copies of a small Parquet file, each read as a training set through the data loader's
 * checks (what {@code train} and {@code validate} do before training), must be read or refused
 * with one line and exit 64, 65 or 66.
 */
@ExtendWith(LocalSpark.class)
class ParquetFuzzIT {
    static final int INPUTS = Integer.getInteger("normdrop.fuzz.parquet", 300);

    @Test
    void mutatedParquetIsReadOrRefusedWithOneLine(JavaSparkContext sc, @TempDir Path dir) throws Exception {
        String seedDir = new SyntheticData(40, 6, 3, 0.5, 5).writeParquet(sc, dir.resolve("seed").toString(), "train", 0, 1);
        byte[] seed;
        try (Stream<Path> files = Files.list(Path.of(seedDir))) {
            seed = Files.readAllBytes(files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow());
        }
        SplittableRandom random = new SplittableRandom(28);
        for (int i = 0; i < INPUTS; i++) {
            byte[] input = i == 0 ? seed : ReadersMutationTest.mutate(seed, List.of(seed), random, false);
            Path in = Files.createDirectories(dir.resolve("in-" + i));
            Files.write(in.resolve("part-00000.parquet"), input);
            String job = """
                    data { format = parquet, train.path = "%s", test.path = "%s" }
                    model.layers = [ { type = dense, units = 4 }, { type = output } ]
                    training { epochs = 1, workers = 1 }
                    output.dir = "%s"
                    """.formatted(in, seedDir, dir.resolve("out"));
            FuzzTargets.expect(FuzzTargets.Reader.PARQUET, () -> {
                try (TrainingInputs inputs = TrainingInputs.prepare(sc, JobFiles.parse(job, List.of()).config(),
                        new PrintWriter(new StringWriter()))) {
                    assertTrue(inputs.train().count() >= 0);
                }
            });
        }
        System.out.print(FuzzTargets.table());
    }
}
