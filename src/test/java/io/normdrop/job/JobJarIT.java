package io.normdrop.job;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The job jar spark-submit ships: lean, linux-x86_64 natives only, no cluster classes, a working backend. */
class JobJarIT {
    static final Path JAR = Path.of("target/normdrop-job.jar");

    @Test
    void jarIsLeanAndSelfContained() throws IOException {
        long size = Files.size(JAR);
        assertTrue(size < 150L * 1000 * 1000, "job jar is " + size + " bytes");
        try (JarFile jar = new JarFile(JAR.toFile())) {
            assertEquals("io.normdrop.job.Main", jar.getManifest().getMainAttributes().getValue("Main-Class"));
            List<String> names = jar.stream().map(ZipEntry::getName).toList();
            // The cluster provides Spark, Scala, Hadoop and logging (dl4j-spark's own helper in
            // Spark's package, org/apache/spark/TaskContextHelper, is fine).
            for (String forbidden : List.of("org/apache/spark/SparkContext.class", "org/apache/spark/rdd/", "scala/",
                    "org/apache/hadoop/", "org/slf4j/", "org/apache/logging/log4j/", "com/fasterxml/jackson/",
                    "org/bytedeco/opencv/", "org/bytedeco/ffmpeg/", "org/bytedeco/hdf5/", "org/bytedeco/tesseract/",
                    "org/bytedeco/leptonica/")) {
                assertTrue(names.stream().noneMatch(n -> n.startsWith(forbidden)), "jar must not contain " + forbidden);
            }
            List<String> natives = names.stream().filter(n -> n.endsWith(".so") || n.contains(".so.")
                    || n.endsWith(".dll") || n.endsWith(".dylib")).toList();
            assertTrue(natives.stream().anyMatch(n -> n.contains("libnd4jcpu.so")), "ND4J CPU backend present");
            assertTrue(natives.stream().allMatch(n -> n.contains("linux-x86_64") || n.contains("linux-x86-64")),
                    () -> "only linux-x86_64 natives: " + natives.stream().filter(n -> !n.contains("linux-x86")).toList());
            ZipEntry backend = jar.getEntry("META-INF/services/org.nd4j.linalg.factory.Nd4jBackend");
            assertNotNull(backend, "ServiceLoader entry of the ND4J backend");
            assertTrue(new String(jar.getInputStream(backend).readAllBytes()).contains("CpuBackend"));
            // The job defaults travel as the key declarations (no file to get out of step with them).
            assertNotNull(jar.getEntry("io/normdrop/config/JobSchema.class"));
        }
    }
}
