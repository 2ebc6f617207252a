package io.normdrop;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packages keep to what their package-info says they may use: every reference from one
 * Normdrop package to another in the main sources (imports and qualified names) is allowed here,
 * and no main class is a god class.
 */
class PackageDependenciesTest {
    static final Path MAIN = Path.of("src/main/java/io/normdrop");

    /** What each package may use of Normdrop's; {@code job} wires the others and nothing uses it. */
    static final Map<String, Set<String>> ALLOWED = Map.of(
            "config", Set.of(),
            "data", Set.of("config"),
            "nn", Set.of("config"),
            "metrics", Set.of("config", "data", "nn"),
            "train", Set.of("config", "data", "nn", "metrics"),
            "onnx", Set.of("config", "data", "nn"),
            "store", Set.of("config", "data", "nn", "metrics", "onnx"),
            "score", Set.of("config", "data", "metrics", "store"),
            "ml", Set.of("config", "data", "metrics", "train", "store", "score"),
            "job", Set.of("config", "data", "nn", "metrics", "onnx", "train", "store", "score"));

    static final Pattern REFERENCE = Pattern.compile("\\bio\\.normdrop\\.(\\w+)\\.");

    @Test
    void everyPackageUsesOnlyWhatItMay() throws IOException {
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String pkg = MAIN.relativize(file).getName(0).toString();
                assertTrue(ALLOWED.containsKey(pkg), "a package without rules: " + pkg);
                Matcher m = REFERENCE.matcher(Files.readString(file));
                while (m.find()) {
                    String used = m.group(1);
                    if (!used.equals(pkg) && !ALLOWED.get(pkg).contains(used)) {
                        violations.add(MAIN.relativize(file) + " uses " + used);
                    }
                }
            }
        }
        assertEquals(List.of(), violations);
    }

    @Test
    void everyPackageSaysWhatItHoldsAndMayUse() throws IOException {
        for (String pkg : ALLOWED.keySet()) {
            String info = Files.readString(MAIN.resolve(pkg).resolve("package-info.java"));
            assertTrue(info.contains("Depends on"), pkg + "/package-info.java says what it may use");
        }
    }

    /** What only {@code train.Masters} may know: the masters by name and the epochs each expects. */
    private static final List<String> MASTER_SPECIFIC = List.of("io/normdrop/train/AllReduceAveraging",
            "io/normdrop/train/AllReduceTask", "io/normdrop/train/ResidentAveraging", "io/normdrop/train/Dl4jAveraging",
            "io/normdrop/train/RoundByRound", "io/normdrop/train/ResidentRun", "io/normdrop/data/ShardedEpochs",
            "io/normdrop/data/StreamedEpochs", "io/normdrop/data/ReshuffledEpochs", "io/normdrop/config/TrainingMasterKind");

    /** The master-specific types that the compiled class {@code name} (and its nested classes) refers to. */
    private static List<String> masterSpecificTypesIn(String name) throws IOException {
        Path classes = Path.of("target/classes/io/normdrop/train");
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(classes)) {
            for (Path f : files.filter(f -> f.getFileName().toString().matches(name + "(\\$.*)?\\.class")).toList()) {
                // Every type a class refers to is named in its constant pool, as io/normdrop/...
                String constants = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                MASTER_SPECIFIC.stream().filter(constants::contains)
                        .forEach(found::add);
            }
        }
        return found;
    }

    @Test
    void theTrainerKnowsNoMasterByName() throws IOException {
        assertEquals(List.of(), masterSpecificTypesIn("SparkTrainer"),
                "SparkTrainer trains through train.Averaging; only train.Masters picks a master");
        // The control: the factory does name them, and the check finds them in its bytecode.
        assertTrue(masterSpecificTypesIn("Masters").containsAll(List.of("io/normdrop/train/AllReduceAveraging",
                "io/normdrop/data/ShardedEpochs", "io/normdrop/config/TrainingMasterKind")), "the check reads class files");
    }

    @Test
    void noMainClassIsOverThreeHundredLines() throws IOException {
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                long lines = Files.readAllLines(file).size();
                assertTrue(lines <= 300, MAIN.relativize(file) + " has " + lines + " lines");
            }
        }
    }
}
