package io.normdrop.job;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What CI fuzzes on every run: for each reader, {@value #INPUTS} inputs made from its committed
 * seeds (the inputs of {@link ReadersFuzzTest}) by a seeded mutator, the same inputs every run:
 * bytes flipped, inserted, deleted, duplicated and truncated, text tokens replaced by extreme
 * numbers and key lines doubled, and, for model zips, one entry of the zip mutated and the zip
 * written again (a mutated zip's bytes alone are refused as no zip at all). Each input must be
 * read or refused as {@link FuzzTargets} says, within 10 seconds. Coverage-guided fuzzing with
 * Jazzer, 10,000 inputs a reader, is {@code deploy/bench.sh fuzz}.
 */
class ReadersMutationTest {
    static final int INPUTS = 300;
    static final Path SEEDS = Path.of("src/test/resources/io/normdrop/job/ReadersFuzzTestInputs");
    private static final String[] EXTREMES = {"-1", "0", "1e309", "-1e309", "NaN", "9999999999999999999", "2147483648",
            "\"\"", "[]", "{}", "null", "true", "\"@class\"", "1.0e-320", "-0"};

    static Map<FuzzTargets.Reader, String> methods() {
        Map<FuzzTargets.Reader, String> m = new LinkedHashMap<>();
        m.put(FuzzTargets.Reader.JOB_FILE, "jobFile");
        m.put(FuzzTargets.Reader.SWEEP_FILE, "sweepFile");
        m.put(FuzzTargets.Reader.MODEL_ZIP, "modelZip");
        m.put(FuzzTargets.Reader.IDX, "idx");
        m.put(FuzzTargets.Reader.CSV, "csv");
        m.put(FuzzTargets.Reader.LIBSVM, "libsvm");
        return m;
    }

    static List<byte[]> seeds(String method) throws IOException {
        try (Stream<Path> files = Files.list(SEEDS.resolve(method))) {
            List<byte[]> out = new ArrayList<>();
            for (Path f : files.sorted().toList()) {
                out.add(Files.readAllBytes(f));
            }
            return out;
        }
    }

    /** A mutation of {@code seed}: one to three edits drawn from {@code random}. */
    static byte[] mutate(byte[] seed, List<byte[]> all, SplittableRandom random, boolean zip) {
        if (zip && random.nextInt(4) > 0) {
            return mutateEntry(seed, all, random);
        }
        byte[] b = seed;
        for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
            b = edit(b, all, random);
        }
        return b;
    }

    private static byte[] edit(byte[] b, List<byte[]> all, SplittableRandom random) {
        int n = b.length;
        int at = n == 0 ? 0 : random.nextInt(n);
        switch (random.nextInt(8)) {
            case 0 -> {
                byte[] c = b.clone();
                if (n > 0) {
                    c[at] ^= (byte) (1 << random.nextInt(8));
                }
                return c;
            }
            case 1 -> {
                byte[] ins = new byte[1 + random.nextInt(8)];
                random.nextBytes(ins);
                return splice(b, at, at, ins);
            }
            case 2 -> {
                return splice(b, at, Math.min(n, at + 1 + random.nextInt(16)), new byte[0]);
            }
            case 3 -> {
                int to = Math.min(n, at + 1 + random.nextInt(64));
                return splice(b, at, at, Arrays.copyOfRange(b, at, to));
            }
            case 4 -> {
                return Arrays.copyOf(b, at);
            }
            case 5 -> {
                // A number (or word) replaced by an extreme one.
                String s = new String(b, StandardCharsets.ISO_8859_1);
                int from = at;
                while (from < n && !Character.isLetterOrDigit(s.charAt(from))) {
                    from++;
                }
                int to = from;
                while (to < n && (Character.isLetterOrDigit(s.charAt(to)) || s.charAt(to) == '.')) {
                    to++;
                }
                return splice(b, from, to, EXTREMES[random.nextInt(EXTREMES.length)].getBytes(StandardCharsets.ISO_8859_1));
            }
            case 6 -> {
                // A line doubled: a key twice, a record twice.
                String s = new String(b, StandardCharsets.ISO_8859_1);
                int start = s.lastIndexOf('\n', Math.max(0, at - 1)) + 1;
                int end = s.indexOf('\n', at);
                end = end < 0 ? n : end + 1;
                return splice(b, start, start, Arrays.copyOfRange(b, start, end));
            }
            default -> {
                // Another seed's bytes spliced in.
                byte[] other = all.get(random.nextInt(all.size()));
                int from = other.length == 0 ? 0 : random.nextInt(other.length);
                return splice(b, at, at, Arrays.copyOfRange(other, from, Math.min(other.length, from + 1 + random.nextInt(128))));
            }
        }
    }

    private static byte[] splice(byte[] b, int from, int to, byte[] with) {
        byte[] out = new byte[b.length - (to - from) + with.length];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(with, 0, out, from, with.length);
        System.arraycopy(b, to, out, from + with.length, b.length - to);
        return out;
    }

    /** The zip with one of its entries edited (or dropped, or doubled), written again. */
    private static byte[] mutateEntry(byte[] zip, List<byte[]> all, SplittableRandom random) {
        try {
            List<String> names = new ArrayList<>();
            List<byte[]> contents = new ArrayList<>();
            try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
                for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                    names.add(e.getName());
                    contents.add(in.readAllBytes());
                }
            }
            int k = random.nextInt(names.size());
            switch (random.nextInt(6)) {
                case 0 -> {
                    names.remove(k);
                    contents.remove(k);
                }
                case 1 -> contents.set(k, new byte[0]);
                default -> contents.set(k, mutate(contents.get(k), List.of(contents.get(k)), random, false));
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ZipOutputStream z = new ZipOutputStream(out)) {
                for (int i = 0; i < names.size(); i++) {
                    z.putNextEntry(new ZipEntry(names.get(i)));
                    z.write(contents.get(i));
                }
            }
            return out.toByteArray();
        } catch (IOException | RuntimeException e) {
            // A seed that is no readable zip (a regression input): mutate its bytes instead.
            return mutate(zip, all, random, false);
        }
    }

    @Test
    void everyReaderReadsOrRefusesEachMutatedInputWithOneLine() throws Exception {
        for (Map.Entry<FuzzTargets.Reader, String> r : methods().entrySet()) {
            List<byte[]> seeds = seeds(r.getValue());
            assertTrue(!seeds.isEmpty(), r.getValue());
            SplittableRandom random = new SplittableRandom(28 + r.getKey().ordinal());
            for (int i = 0; i < INPUTS; i++) {
                byte[] input = i < seeds.size() ? seeds.get(i)
                        : mutate(seeds.get(random.nextInt(seeds.size())), seeds, random, r.getKey() == FuzzTargets.Reader.MODEL_ZIP);
                int n = i;
                assertTimeoutPreemptively(Duration.ofSeconds(10), () -> FuzzTargets.run(r.getKey(), input),
                        () -> r.getKey() + ": input " + n + " took more than 10 s");
            }
        }
        System.out.print(FuzzTargets.table());
    }
}
