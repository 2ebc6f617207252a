package io.normdrop.job;

import io.normdrop.metrics.MetricsFiles;
import io.normdrop.metrics.SampleRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code normdrop compare}: finished runs side by side, and one-line errors for what is not a run. */
class CompareCommandTest {
    @TempDir
    Path dir;

    private Path run(String name, double... accuracies) throws IOException {
        Path run = dir.resolve(name);
        Files.createDirectories(run);
        Files.writeString(run.resolve(MetricsFiles.JSON_FILE),
                MetricsFiles.json(SampleRun.of(name, SampleRun.network(1), accuracies)));
        return run;
    }

    @Test
    void printsATableAndWritesMarkdownAndHtml() throws IOException {
        Path a = run("first", 0.7, 0.8);
        Path b = run("second", 0.6, 0.9);
        Path md = dir.resolve("out/compare.md");
        Path html = dir.resolve("out/compare.html");

        MainTest.Result r = MainTest.run("compare", a.toString(), b.toString(), "--markdown", md.toString(),
                "--html", html.toString());

        assertEquals(0, r.code(), r.err());
        assertEquals(3, r.out().lines().count(), r.out());
        assertTrue(r.out().lines().skip(1).findFirst().orElseThrow().startsWith("first "), r.out());
        assertTrue(r.out().contains("0.9000"), r.out());
        assertTrue(r.out().contains("(= first)"), "same parameters: " + r.out());
        assertTrue(Files.readString(md).startsWith("| run | val acc | test acc |"));
        assertTrue(Files.readString(html).contains("data-chart=\"compare-accuracy\""));
        try (var files = Files.list(md.getParent())) {
            assertEquals(2, files.count(), "no temporary or checksum files left");
        }
    }

    @Test
    void aDirectoryWithoutMetricsIsMissingInput() throws IOException {
        Path a = run("first", 0.7);
        MainTest.Result r = MainTest.run("compare", a.toString(), dir.resolve("nothing").toString());
        MainTest.assertOneLine(r, 66, "nothing/metrics.json: no such file");
    }

    @Test
    void aBrokenMetricsFileIsBadData() throws IOException {
        Path broken = dir.resolve("broken");
        Files.createDirectories(broken);
        Files.writeString(broken.resolve(MetricsFiles.JSON_FILE), "{\"format\": \"something/2\"}");
        MainTest.Result r = MainTest.run("compare", broken.toString());
        MainTest.assertOneLine(r, 65, "not a Normdrop metrics document");
        assertFalse(r.out().contains("run "), r.out());
    }
}
