package io.normdrop.job;

import io.normdrop.config.ConfigException;
import io.normdrop.config.JobConfig;
import io.normdrop.config.JobFiles;
import io.normdrop.config.LayerKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sweep file: every combination of its axes becomes one validated job with its own directory. */
class SweepCommandTest {
    private static final Path ABLATION = Path.of("jobs/ablation-dropout-weightnorm.conf");

    private static SweepCommand.Cell cell(List<SweepCommand.Cell> cells, String label) {
        return cells.stream().filter(c -> c.label().equals(label)).findFirst().orElseThrow(() -> new AssertionError(label));
    }

    @Test
    void theAblationIsTwelveCellsOfTheSameNetworkAndSeed() {
        List<SweepCommand.Cell> cells = SweepCommand.cells(ABLATION, List.of(), null);

        assertEquals(12, cells.size());
        assertEquals("dense, no dropout", cells.get(0).label());
        assertEquals("weight-norm + data init, keep 0.5", cells.get(11).label());
        assertEquals(12, new HashSet<>(cells.stream().map(c -> c.job().config().output().dir()).toList()).size());
        assertEquals("runs/ablation/weight-norm-data-init-keep-0.8",
                cell(cells, "weight-norm + data init, keep 0.8").job().config().output().dir());
        for (SweepCommand.Cell c : cells) {
            JobConfig j = c.job().config();
            assertEquals(42, j.training().seed());
            assertEquals(List.of(512, 256, 10), j.model().layers().stream().map(l -> l.units()).toList());
            assertEquals(1.0, j.model().layers().get(0).dropout().keep(), "the input is never dropped");
        }

        JobConfig dense08 = cell(cells, "dense, keep 0.8").job().config();
        assertEquals(LayerKind.DENSE, dense08.model().layers().get(1).kind());
        assertEquals(0.8, dense08.model().layers().get(1).dropout().keep(), 1e-12);
        assertEquals(0.8, dense08.model().layers().get(2).dropout().keep(), 1e-12);
        assertFalse(dense08.model().dataInit().enabled());

        JobConfig wnInit = cell(cells, "weight-norm + data init, no dropout").job().config();
        assertEquals(LayerKind.WEIGHTNORM_DENSE, wnInit.model().layers().get(0).kind());
        assertTrue(wnInit.model().dataInit().enabled());
        assertEquals(1.0, wnInit.model().layers().get(2).dropout().keep());

        JobConfig keep1 = cell(cells, "weight-norm, keep 1.0").job().config();
        assertEquals(1.0, keep1.model().layers().get(2).dropout().keep(), 1e-12);
        // keep 1.0 and no dropout are different job files (their config digests differ); their
        // trained parameters must not be (the sweep's comparison shows it).
        assertFalse(cell(cells, "weight-norm, keep 1.0").job().configDigest()
                .equals(cell(cells, "weight-norm, no dropout").job().configDigest()));
    }

    @Test
    void theConvAblationIsSixCellsOfTheConvJobsNetwork() {
        List<SweepCommand.Cell> cells = SweepCommand.cells(Path.of("jobs/ablation-conv.conf"), List.of(), null);
        assertEquals(List.of("conv, no dropout", "conv, keep 1.0", "conv, keep 0.8", "weight-norm conv, no dropout",
                "weight-norm conv, keep 1.0", "weight-norm conv, keep 0.8"), cells.stream().map(SweepCommand.Cell::label).toList());
        JobConfig conv = JobFiles.load(Path.of("jobs/fashion-mnist-conv.conf"), List.of()).config();
        for (SweepCommand.Cell c : cells) {
            JobConfig j = c.job().config();
            assertEquals(conv.model().layers().stream().map(l -> l.window()).toList(),
                    j.model().layers().stream().map(l -> l.window()).toList(), "the conv job's windows");
            assertEquals(conv.model().layers().stream().map(l -> l.units()).toList(),
                    j.model().layers().stream().map(l -> l.units()).toList(), "and sizes");
            boolean plain = c.label().startsWith("conv");
            assertEquals(plain ? LayerKind.CONV2D : LayerKind.WEIGHTNORM_CONV2D, j.model().layers().get(2).kind());
            assertEquals(plain ? LayerKind.DENSE : LayerKind.WEIGHTNORM_DENSE, j.model().layers().get(4).kind());
            double keep = c.label().endsWith("0.8") ? 0.8 : 1.0;
            assertEquals(keep, j.model().layers().get(2).dropout().keep(), 1e-12, c.label());
            assertEquals(keep, j.model().layers().get(4).dropout().keep(), 1e-12, c.label());
        }
    }

    @Test
    void theAveragingSweepIsEighteenCellsOfTheAblationsNetworkWithDropout() {
        List<SweepCommand.Cell> cells = SweepCommand.cells(Path.of("jobs/averaging.conf"), List.of(), null);
        assertEquals(18, cells.size());
        assertEquals("every 5, constant, average", cells.get(0).label());
        assertEquals("every 80, warm-up, reset", cells.get(17).label());
        JobConfig ablation = cell(SweepCommand.cells(ABLATION, List.of(), null), "weight-norm, keep 0.8").job().config();
        java.util.Set<String> settings = new java.util.HashSet<>();
        for (SweepCommand.Cell c : cells) {
            JobConfig j = c.job().config();
            assertEquals(ablation.model(), j.model(), "the ablation's network with keep 0.8");
            assertEquals(15, j.training().epochs());
            assertEquals(2, j.training().workers());
            String[] label = c.label().split(", ");
            assertEquals("every " + j.training().averagingPeriod(), label[0]);
            assertEquals(label[1].equals("warm-up") ? 1 : 0, j.training().averaging().warmupEpochs(), c.label());
            assertEquals(label[2], j.training().averaging().updaterState().jobName(), c.label());
            settings.add(j.training().averaging().describe(j.training().averagingPeriod()));
        }
        assertEquals(18, settings.size(), "every cell averages its own way");
    }

    @Test
    void overridesAndOutApplyToEveryCell() {
        List<SweepCommand.Cell> cells = SweepCommand.cells(ABLATION, List.of("training.epochs=2"), "/tmp/sweep");
        for (SweepCommand.Cell c : cells) {
            assertEquals(2, c.job().config().training().epochs());
            assertTrue(c.job().config().output().dir().startsWith("/tmp/sweep/"), c.job().config().output().dir());
        }
        // The job's own output.dir is ignored, not merely overwritten when valid.
        assertEquals("/tmp/sweep/dense-no-dropout", cells.get(0).job().config().output().dir());
    }

    @Test
    void configDigestIgnoresTheOutputDirectory() {
        List<SweepCommand.Cell> a = SweepCommand.cells(ABLATION, List.of(), "/tmp/a");
        List<SweepCommand.Cell> b = SweepCommand.cells(ABLATION, List.of(), "/tmp/b");
        assertEquals(a.get(3).job().configDigest(), b.get(3).job().configDigest());
    }

    @Test
    void badSweepFilesAreConfigErrors(@TempDir Path dir) throws IOException {
        Path noLabel = dir.resolve("a.conf");
        Files.writeString(noLabel, "sweep.axes = [ { name = x, values = [ { set = [] } ] } ]\njob { }\n");
        ConfigException e = assertThrows(ConfigException.class, () -> SweepCommand.cells(noLabel, List.of(), null));
        assertTrue(e.getMessage().contains("label"), e.getMessage());

        Path unknown = dir.resolve("b.conf");
        Files.writeString(unknown, "sweeps.axes = []\njob { }\n");
        e = assertThrows(ConfigException.class, () -> SweepCommand.cells(unknown, List.of(), null));
        assertTrue(e.getMessage().contains("sweeps: unknown key"), e.getMessage());

        Path badJob = dir.resolve("c.conf");
        Files.writeString(badJob, Files.readString(ABLATION).replace("epochs = 5", "epochs = -1"));
        e = assertThrows(ConfigException.class, () -> SweepCommand.cells(badJob, List.of(), null));
        assertTrue(e.getMessage().contains("training.epochs: invalid value -1"), e.getMessage());

        MainTest.Result r = MainTest.run("sweep", dir.resolve("missing.conf").toString());
        MainTest.assertOneLine(r, 64, "no such file");
    }

    @Test
    void slugsAreDirectoryNames() {
        assertEquals("weight-norm-data-init-keep-0.8", SweepCommand.slug("weight-norm + data init, keep 0.8"));
        assertEquals("a-b", SweepCommand.slug("  A / b!"));
    }
}
