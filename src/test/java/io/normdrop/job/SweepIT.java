package io.normdrop.job;

import io.normdrop.metrics.MetricsFiles;
import io.normdrop.metrics.RunComparison;
import io.normdrop.store.OutputExistsException;
import io.normdrop.testing.LocalSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A small sweep on Spark local[2], two workers: every cell becomes a run, the comparison is
 * written, and it marks runs whose parameters are bit-identical. The sweep's keep 1.0 cells build
 * exactly the no-dropout network (Normdrop draws no mask at keep 1), so their runs are equal by
 * construction and show the marking; that DL4J's dropout at retain 1 trains as no dropout is
 * shown on the operation itself in DropoutSemanticsTest and DropoutOnSparkIT.
 */
@ExtendWith(LocalSpark.class)
class SweepIT {
    @Test
    void everyCellRunsAndTheComparisonMarksIdenticalParameters(JavaSparkContext sc, @TempDir Path dir) throws Exception {
        Path sweep = dir.resolve("small.conf");
        Files.writeString(sweep, Files.readString(Path.of("jobs/ablation-dropout-weightnorm.conf"))
                .replace("{ label = \"weight-norm + data init\", set = [ \"model.dataInit.enabled=true\" ] }", "")
                .replace("/usr/share/datasets/fashion-mnist/train", "jobs/data/fashion-mnist-sample/train")
                .replace("/usr/share/datasets/fashion-mnist/t10k", "jobs/data/fashion-mnist-sample/t10k"));
        Path out = dir.resolve("sweep");
        List<SweepCommand.Cell> cells = SweepCommand.cells(sweep, List.of("training.epochs=1", "data.train.limit=2560",
                "data.test.limit=500", "model.layers[0].units=64", "model.layers[1].units=32"), out.toString());
        assertEquals(8, cells.size());

        StringWriter console = new StringWriter();
        RunComparison comparison = SweepCommand.run(sc, cells, "small", false, new PrintWriter(console, true),
                new PrintWriter(console, true));

        for (SweepCommand.Cell c : cells) {
            assertTrue(Files.exists(out.resolve(c.name()).resolve("_SUCCESS")), c.name());
        }
        for (String f : List.of("compare.txt", "compare.md", "compare.html")) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
        List<List<String>> rows = comparison.rows();
        assertEquals("dense-keep-1.0", rows.get(1).get(0));
        assertTrue(rows.get(1).get(rows.get(1).size() - 1).endsWith("(= dense-no-dropout)"), rows.get(1).toString());
        assertTrue(rows.get(5).get(rows.get(5).size() - 1).endsWith("(= weight-norm-no-dropout)"), rows.get(5).toString());
        assertEquals(rows.get(0).get(1), rows.get(1).get(1), "same parameters, same accuracy");

        String none = digest(out, "weight-norm-no-dropout");
        assertEquals(none, digest(out, "weight-norm-keep-1.0"));
        assertNotEquals(none, digest(out, "weight-norm-keep-0.5"), "dropout that drops changes the result");
        assertNotEquals(none, digest(out, "dense-no-dropout"), "weight norm trains differently from dense");

        // A second sweep into the same directory is refused before anything trains.
        assertThrows(OutputExistsException.class, () -> SweepCommand.run(sc, cells, "small", false,
                new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())));
    }

    private static String digest(Path out, String cell) throws Exception {
        return MetricsFiles.read(Files.newInputStream(out.resolve(cell).resolve(MetricsFiles.JSON_FILE)), cell)
                .at("/model/parameterDigest").asText();
    }
}
