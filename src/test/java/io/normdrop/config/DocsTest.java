package io.normdrop.config;

import io.normdrop.metrics.MetricsFiles;
import io.normdrop.store.RunFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README and the manual ({@code src/site/markdown/*.md}) hold up: every relative link and
 * image resolves to a file or directory (and a {@code #fragment} into a markdown file to one of
 * its headings or {@code <a id>}s), and every job key they name in backticks is a key of the
 * job schema. A negative check runs the same checker on a snippet with a broken link and an
 * unknown key, so the checker is shown to find them.
 */
class DocsTest {
    static final Path README = Path.of("README.md");
    static final Path MANUAL = Path.of("src/site/markdown");

    /** Old names of renamed keys, which job files may still use: the docs may name them, as aliases. */
    static final Map<String, String> RENAMED = JobSchema.ALIASES;

    /** Named in the docs as what a job may not say; checked to be no key. */
    static final Set<String> NOT_KEYS = Set.of("metrics.pushgateway.password");

    /** Keys of the deployment policy file (NORMDROP_POLICY), named on the security page; not job keys. */
    static final Set<String> POLICY_KEYS = Set.of("data.roots", "output.roots");

    /** Files a run writes whose names start like a section: {@code metrics.json} names no key. */
    static final Set<String> RUN_FILES = Set.of(RunFiles.MODEL, RunFiles.ONNX_MODEL, RunFiles.METRICS_LINES,
            MetricsFiles.JSON_FILE, MetricsFiles.PROMETHEUS_FILE);

    @Test
    void everyRelativeLinkResolves() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path doc : docs()) {
            broken.addAll(Markdown.brokenLinks(doc, Files.readString(doc)));
        }
        assertEquals(List.of(), broken, "relative links that do not resolve");
    }

    @Test
    void everyJobKeyNamedExists() throws IOException {
        List<String> unknown = new ArrayList<>();
        int named = 0;
        for (Path doc : docs()) {
            List<String> keys = Markdown.jobKeys(Files.readString(doc));
            named += keys.size();
            keys.stream().filter(k -> !Schema.knows(k)).distinct().forEach(k -> unknown.add(doc + ": " + k));
        }
        assertTrue(named > 100, "the docs name job keys in backticks: " + named);
        assertEquals(List.of(), unknown, "job keys named in the docs that the job schema does not have");
    }

    @Test
    void theCheckerFindsABrokenLinkAndAnUnknownKey(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("there.md"), "# A page\n\n## Its section: one\n\n<a id=\"kept\"></a>\n");
        String snippet = """
                # Snippet

                [fine](there.md), [a section](there.md#its-section-one), [kept](there.md#kept), [a directory](sub/),
                [own heading](#snippet), [web](https://example.com/x.md), [mail](mailto:a@example.com),
                [gone](no-such-page.md), ![missing image](img/none.png "title"), [no section](there.md#nowhere),
                [no anchor here](#nowhere)

                [ref]: also-gone.md

                `training.epochs`, `training.noSuchKey = 3`, `training.averaging` (a section), `model.layers[0].units=8`,
                `model.layers[1].unit`, `metrics.json`, `spark.executor.memory`, `spark.conf.spark.x`, `data.roots`,
                `jobs/x.conf:14: training.epochs`, `data.*.path`, `metrics.pushgateway.password`
                and a key split over
                lines: `quality.minAccuracy
                = 0.9` and `output.
                nothing`. `[not a link](gone-too.md)`

                ```
                [not a link either](gone-three.md) `training.notChecked`
                deploy/local.sh train job.conf --set 'data.noSuchKey="x"' --set output.dir=runs/x
                ```
                """;
        Path page = dir.resolve("snippet.md");
        assertEquals(List.of(page + ": no-such-page.md", page + ": img/none.png", page + ": there.md#nowhere",
                        page + ": #nowhere", page + ": also-gone.md"),
                Markdown.brokenLinks(page, snippet));

        List<String> keys = Markdown.jobKeys(snippet);
        assertEquals(List.of("training.epochs", "training.noSuchKey", "training.averaging", "model.layers[0].units",
                "model.layers[1].unit", "spark.conf.spark.x", "data.roots",
                "metrics.pushgateway.password", "quality.minAccuracy", "data.noSuchKey", "output.dir"), keys);
        assertEquals(List.of("training.noSuchKey", "model.layers[1].unit", "data.noSuchKey"),
                keys.stream().filter(k -> !Schema.knows(k)).toList());
    }

    @Test
    void whatTheCheckerLetsPassIsNoKey(@TempDir Path dir) throws IOException {
        for (String name : NOT_KEYS) {
            assertFalse(Schema.isDeclared(name), name + " is listed as no key but is one");
        }
        for (String name : RUN_FILES) {
            assertFalse(Schema.isDeclared(name), name + " is listed as a file name but is a key");
        }
        for (String name : POLICY_KEYS) {
            assertFalse(Schema.isDeclared(name), name + " is listed as a policy key but is a job key");
        }
        Path policy = dir.resolve("policy.conf");
        Files.writeString(policy, POLICY_KEYS.stream().map(k -> k + " = []\n").collect(Collectors.joining()));
        DeploymentPolicy.load(policy);
        for (Map.Entry<String, String> e : RENAMED.entrySet()) {
            assertTrue(Schema.isDeclared(e.getKey()) || Schema.isDeclared(e.getValue()),
                    e.getKey() + " or its new name " + e.getValue() + " is a key");
        }
    }

    /** README.md and every page of the manual. */
    private static List<Path> docs() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(README));
        try (Stream<Path> pages = Files.list(MANUAL)) {
            docs.addAll(pages.filter(p -> p.toString().endsWith(".md")).sorted().toList());
        }
        assertTrue(docs.size() > 10, "the manual's pages: " + docs);
        return docs;
    }

    /** What the job schema declares: its keys, {@code model.layers} with its elements' keys, and its sections. */
    static final class Schema {
        private static final Set<String> KEYS = JobSchema.keys().stream().map(Key::path).collect(Collectors.toSet());
        private static final Set<String> LAYER_KEYS = LayerSpec.KEYS.stream().map(Key::path).collect(Collectors.toSet());
        /** The first segments of the keys: data, model, training, output, quality, metrics, spark. */
        static final Set<String> SECTIONS = Stream.concat(KEYS.stream(), Stream.of(ModelConfig.LAYERS))
                .map(k -> k.substring(0, k.indexOf('.'))).collect(Collectors.toCollection(TreeSet::new));
        private static final Pattern LAYER = Pattern.compile(Pattern.quote(ModelConfig.LAYERS) + "\\[\\d+](?:\\.(.+))?");

        private Schema() {
        }

        /** Whether the docs may name {@code name}: a key, a section, or one of the names listed above. */
        static boolean knows(String name) {
            return isDeclared(name) || NOT_KEYS.contains(name) || POLICY_KEYS.contains(name)
                    || (RENAMED.containsKey(name) && isDeclared(RENAMED.get(name)));
        }

        /** A key, a section (a prefix of keys), a layer's key, or a value of a map key such as spark.conf. */
        static boolean isDeclared(String name) {
            if (in(KEYS, name) || name.equals(ModelConfig.LAYERS)) {
                return true;
            }
            Matcher layer = LAYER.matcher(name);
            if (layer.matches()) {
                return layer.group(1) == null || in(LAYER_KEYS, layer.group(1));
            }
            return name.startsWith(SparkSettings.CONF.path() + ".");
        }

        private static boolean in(Set<String> keys, String name) {
            return keys.contains(name) || keys.stream().anyMatch(k -> k.startsWith(name + "."));
        }
    }

    /** Links and job keys in markdown text. */
    static final class Markdown {
        private static final Pattern FENCE = Pattern.compile("(?ms)^ {0,3}(```|~~~).*?^ {0,3}\\1[^\\n]*$");
        /** An inline code span: backticks, text without a blank line, the same backticks. */
        private static final Pattern CODE = Pattern.compile("(?s)(`+)((?:(?!\\n\\s*\\n).)+?)\\1");
        private static final Pattern LINK = Pattern.compile(
                "!?\\[(?:[^\\[\\]]|\\[[^\\]]*])*]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
        private static final Pattern REFERENCE = Pattern.compile("(?m)^ {0,3}\\[[^\\]]+]:\\s*<?(\\S+?)>?(?:\\s.*)?$");
        private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");
        private static final Pattern HEADING = Pattern.compile("(?m)^ {0,3}#{1,6}[ \\t]+(.*?)[ \\t]*#*[ \\t]*$");
        private static final Pattern ANCHOR = Pattern.compile("<a\\s+(?:id|name)=\"([^\"]+)\"");
        private static final Pattern SET = Pattern.compile("--set\\s+['\"]?([^\\s='\"]+)");

        private Markdown() {
        }

        /** "file: target" for every relative link or image of {@code text} (written in {@code file}) that does not resolve. */
        static List<String> brokenLinks(Path file, String text) throws IOException {
            String prose = CODE.matcher(FENCE.matcher(text).replaceAll("")).replaceAll("");
            List<String> targets = new ArrayList<>();
            for (Pattern p : List.of(LINK, REFERENCE)) {
                Matcher m = p.matcher(prose);
                while (m.find()) {
                    targets.add(m.group(1));
                }
            }
            List<String> broken = new ArrayList<>();
            for (String target : targets) {
                if (!SCHEME.matcher(target).find() && !resolves(file, text, target)) {
                    broken.add(file + ": " + target);
                }
            }
            return broken;
        }

        private static boolean resolves(Path file, String text, String target) throws IOException {
            int hash = target.indexOf('#');
            String path = URLDecoder.decode(hash < 0 ? target : target.substring(0, hash), StandardCharsets.UTF_8);
            String fragment = hash < 0 ? null : target.substring(hash + 1);
            Path resolved = path.isEmpty() ? file : file.resolveSibling(path).normalize();
            if (path.isEmpty() ? fragment == null : !Files.exists(resolved)) {
                return false;
            }
            if (fragment == null || !resolved.toString().endsWith(".md")) {
                return true;
            }
            return anchors(resolved.equals(file) ? text : Files.readString(resolved)).contains(fragment);
        }

        /** The anchors GitHub gives a markdown file: one per heading (repeats numbered), and every {@code <a id>}. */
        static Set<String> anchors(String text) {
            Set<String> anchors = new LinkedHashSet<>();
            Map<String, Integer> seen = new HashMap<>();
            Matcher h = HEADING.matcher(FENCE.matcher(text).replaceAll(""));
            while (h.find()) {
                String slug = slug(h.group(1));
                int n = seen.merge(slug, 1, Integer::sum);
                anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
            }
            Matcher a = ANCHOR.matcher(text);
            while (a.find()) {
                anchors.add(a.group(1));
            }
            return anchors;
        }

        /** GitHub's heading slug: the text without markup, lower case, only letters, digits, '_', '-' and spaces, spaces as '-'. */
        static String slug(String heading) {
            String plain = heading.replaceAll("\\[([^\\]]*)]\\([^)]*\\)", "$1").replace("`", "").replace("**", "");
            return plain.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{M}\\p{N}\\p{Pc} -]", "").replace(' ', '-');
        }

        /**
         * The job keys {@code text} names, in order: every code span that starts (after an
         * optional {@code --set}) with a section and a key path, and every {@code --set KEY} in a
         * code block. A span that names a run's file ({@code metrics.json}) or one of Spark's own
         * properties (a {@code spark.} name whose next segment is none of the section's keys, as
         * {@code spark.conf} takes them) names no job key.
         */
        static List<String> jobKeys(String text) {
            String sections = String.join("|", Schema.SECTIONS);
            Pattern key = Pattern.compile("^(?:--set\\s+)?['\"]?((?:" + sections
                    + ")(?:\\.[A-Za-z_][A-Za-z0-9_]*|\\[\\d+])+)(?![A-Za-z0-9_./*-])");
            List<String> keys = new ArrayList<>();
            Matcher fence = FENCE.matcher(text);
            StringBuilder prose = new StringBuilder();
            List<String> inBlocks = new ArrayList<>();
            while (fence.find()) {
                Matcher set = SET.matcher(fence.group());
                while (set.find()) {
                    inBlocks.add(set.group(1));
                }
                fence.appendReplacement(prose, "");
            }
            fence.appendTail(prose);
            Matcher code = CODE.matcher(prose);
            while (code.find()) {
                String span = code.group(2).replaceAll("\\s*\\n\\s*", " ").strip();
                Matcher m = key.matcher(span);
                if (m.find() && !RUN_FILES.contains(m.group(1)) && !sparkProperty(m.group(1))) {
                    keys.add(m.group(1));
                }
            }
            inBlocks.stream().filter(k -> key.matcher(k).matches()).forEach(keys::add);
            return keys;
        }

        private static boolean sparkProperty(String name) {
            String[] parts = name.split("\\.");
            return parts[0].equals("spark") && parts.length > 1
                    && Schema.KEYS.stream().noneMatch(k -> k.equals("spark." + parts[1]) || k.startsWith("spark." + parts[1] + "."));
        }
    }
}
