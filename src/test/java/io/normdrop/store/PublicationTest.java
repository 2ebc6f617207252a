package io.normdrop.store;

import io.normdrop.config.QualityConfig;
import io.normdrop.metrics.MetricsFiles;
import io.normdrop.metrics.SampleRun;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PublicationTest {
    @TempDir
    java.nio.file.Path dir;

    @Test
    void gatePassesOnlyAccurateEnoughRunsThatAreNotMuchWorseThanThePublishedOne() {
        QualityConfig none = new QualityConfig(0, null);
        QualityConfig min = new QualityConfig(0.85, null);
        QualityConfig drop = new QualityConfig(0, 0.01);
        assertEquals(Optional.empty(), Publication.gateFailure(0.10, OptionalDouble.of(0.9), none));
        assertEquals(Optional.of("test accuracy 0.8400 is below quality.minAccuracy 0.8500"),
                Publication.gateFailure(0.84, OptionalDouble.empty(), min));
        assertEquals(Optional.empty(), Publication.gateFailure(0.85, OptionalDouble.empty(), min));
        assertEquals(Optional.empty(), Publication.gateFailure(0.891, OptionalDouble.of(0.90), drop));
        assertEquals(Optional.of("test accuracy 0.8890 is more than quality.maxDrop 0.0100 below the published run's 0.9000"),
                Publication.gateFailure(0.889, OptionalDouble.of(0.90), drop));
        assertEquals(Optional.empty(), Publication.gateFailure(0.5, OptionalDouble.empty(), drop), "first run: nothing to compare");
    }

    private Path run(String id, double accuracy) throws IOException {
        java.nio.file.Path run = dir.resolve(id);
        Files.createDirectories(run);
        Files.writeString(run.resolve(MetricsFiles.JSON_FILE),
                MetricsFiles.json(SampleRun.of(id, SampleRun.network(1), accuracy)));
        Files.writeString(run.resolve("model.zip"), id);
        return new Path(run.toUri());
    }

    @Test
    void publishingReplacesThePublishedCopyAndLatestWholesale() throws IOException {
        FileSystem fs = FileSystem.newInstance(dir.toUri(), new Configuration());
        fs.setWriteChecksum(false);
        Path job = new Path(dir.toUri());
        assertTrue(Publication.publishedAccuracy(fs, job).isEmpty());

        Publication.publish(fs, job, run("20261126-023000", 0.88), "20261126-023000");
        assertEquals(0.88, Publication.publishedAccuracy(fs, job).getAsDouble(), 1e-12);
        assertEquals("20261126-023000", Files.readString(dir.resolve("LATEST")).strip());

        Publication.publish(fs, job, run("20261127-023000", 0.89), "20261127-023000");
        assertEquals(0.89, Publication.publishedAccuracy(fs, job).getAsDouble(), 1e-12);
        assertEquals("20261127-023000", Files.readString(dir.resolve("published/model.zip")));
        assertEquals("20261127-023000", Files.readString(dir.resolve("LATEST")).strip());
        try (Stream<java.nio.file.Path> s = Files.list(dir)) {
            assertEquals(List.of("20261126-023000", "20261127-023000", "LATEST", "published"),
                    s.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary or old copies left");
        }
    }
}
