package io.normdrop.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every job key is declared once, in the records' key constants: conf/job-defaults.conf is that
 * declaration rendered, in both directions, and a job written out loads back equal.
 */
class JobSchemaTest {
    static final Path DEFAULTS_FILE = Path.of("conf/job-defaults.conf");

    @Test
    void theDefaultsFileIsTheDeclarationsRendered() throws IOException {
        assertEquals(JobSchema.render(), Files.readString(DEFAULTS_FILE),
                "conf/job-defaults.conf differs from the key declarations: regenerate it with "
                        + "deploy/local.sh keys > conf/job-defaults.conf");
    }

    @Test
    void everyKeyOfTheFileIsDeclaredAndEveryDeclaredKeyIsInTheFileWithItsDefault() {
        Config file = ConfigFactory.parseFile(DEFAULTS_FILE.toFile());
        Set<String> inFile = new TreeSet<>();
        leaves(file.root().toConfig(), "", inFile);
        Set<String> declared = new TreeSet<>();
        for (Key<?> key : JobSchema.keys()) {
            declared.add(key.path());
            assertTrue(file.hasPathOrNull(key.path()), key.path() + " is declared but not in " + DEFAULTS_FILE);
            assertEquals(key.defaultValue(), key.read(file), key.path() + ": the file's default");
            assertFalse(key.meaning().isBlank(), key.path() + " says what it means");
        }
        declared.add(ModelConfig.LAYERS);
        assertEquals(declared, inFile, "keys in " + DEFAULTS_FILE + " against the declared keys");
    }

    /** Paths of the values that are not objects, and of spark.conf, which is one value. */
    private static void leaves(Config c, String prefix, Set<String> out) {
        for (Map.Entry<String, ConfigValue> e : c.root().entrySet()) {
            String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue().valueType() == ConfigValueType.OBJECT && !path.equals("spark.conf")) {
                leaves(c.getConfig(e.getKey()), path, out);
            } else {
                out.add(path);
            }
        }
    }

    @Test
    void theLayerKeysAreDocumentedInTheFile() throws IOException {
        String text = Files.readString(DEFAULTS_FILE);
        for (Key<?> key : LayerSpec.KEYS) {
            assertTrue(text.contains("#   " + key.path() + " "), key.path() + " is documented under model.layers");
        }
    }

    @Test
    void aWrittenJobLoadsBackAsAnEqualConfiguration(@TempDir Path dir) throws IOException {
        List<LoadedJob> jobs = List.of(
                JobFiles.load(Path.of("jobs/quickstart.conf"), List.of()),
                JobFiles.load(Path.of("jobs/fashion-mnist.conf"), List.of("output.runId=auto", "quality.maxDrop=0.01",
                        "spark.conf.spark.executor.memory=4g", "metrics.pushgateway.url=\"http://127.0.0.1:9091\"")),
                JobFiles.parse(JobFilesTest.VALID, List.of("data.format=csv", "data.train.path=\"a b.csv\"",
                        "data.test.path=\"t.csv\"", "data.csv.label=2", "data.csv.delimiter=\";\"",
                        "model.layers[2]={ type = weightnorm-output }", "model.layers[0].type=weightnorm-dense",
                        "model.dataInit.enabled=true", "training.master=parameter-averaging", "training.approach=export",
                        "data.parquet.features=null", "training.updater.type=nesterovs")));
        for (LoadedJob job : jobs) {
            Path written = dir.resolve(job.name() + ".conf");
            Files.writeString(written, "# Resolved job: " + job.source() + "\n" + job.renderHocon());
            LoadedJob back = JobFiles.load(written, List.of());
            assertEquals(job.config(), back.config(), job.source());
            assertEquals(job.configDigest(), back.configDigest(), job.source());
        }
    }
}
