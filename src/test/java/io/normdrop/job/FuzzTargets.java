package io.normdrop.job;

import io.normdrop.config.DataSource;
import io.normdrop.config.JobFiles;
import io.normdrop.data.IdxReader;
import io.normdrop.data.LibsvmParsers;
import io.normdrop.data.ParsedRecord;
import io.normdrop.data.Problem;
import io.normdrop.data.RecordRules;
import io.normdrop.data.TextParsers;
import io.normdrop.store.ModelArchive;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The readers of outside input, each as a function of one byte array, and the contract they keep
 * whatever the bytes: an input is read, or refused with a failure that Normdrop reports as one
 * line with exit code 64, 65 or 66. Anything else (another exit code, which means an internal
 * error, a message of several lines, an OutOfMemoryError, a stack overflow) is a defect and is
 * thrown as an {@link AssertionError}, which the fuzzer reports with its input. Counts what each
 * reader read and refused.
 */
final class FuzzTargets {
    enum Reader { JOB_FILE, SWEEP_FILE, MODEL_ZIP, IDX, CSV, LIBSVM, PARQUET }

    /** Per reader: inputs tried, read, refused. */
    static final Map<Reader, AtomicLong[]> COUNTS = new ConcurrentHashMap<>();

    static {
        // deploy/bench.sh fuzz: the counts of this JVM's run, appended to a file when it ends.
        String report = System.getenv("NORMDROP_FUZZ_REPORT");
        if (report != null) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    Files.writeString(Path.of(report), table(), StandardCharsets.UTF_8,
                            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
                } catch (IOException e) {
                    System.err.println("normdrop: fuzz report not written: " + e.getMessage());
                }
            }));
        }
    }

    /** One parser per format, as a task keeps one for its part of the file (a csv parser allocates for 2^20 columns). */
    private static final TextParsers.LineParser<ParsedRecord> CSV_LINES = TextParsers.csv(',',
            new TextParsers.CsvColumns(0, TextParsers.CsvColumns.NONE, null), new RecordRules(0, 0, "the training data"));
    private static final TextParsers.LineParser<ParsedRecord> LIBSVM_LINES =
            LibsvmParsers.libsvm(new RecordRules(0, 0, "the training data"));

    private FuzzTargets() {
    }

    /** Runs {@code input} through {@code reader}; a defect's input is kept in target/fuzz-defects for a regression input. */
    static void run(Reader reader, byte[] input) {
        try {
            check(reader, input);
        } catch (AssertionError | VirtualMachineError e) {
            try {
                Path dir = Files.createDirectories(Path.of("target/fuzz-defects"));
                Files.write(dir.resolve(reader.name().toLowerCase(java.util.Locale.ROOT) + "-"
                        + Integer.toHexString(Arrays.hashCode(input))), input);
            } catch (IOException io) {
                e.addSuppressed(io);
            }
            throw e;
        }
    }

    /** Runs {@code reading} (a reader that needs more than bytes, Parquet through Spark) under the same contract. */
    static void expect(Reader reader, Runnable reading) {
        AtomicLong[] c = COUNTS.computeIfAbsent(reader, r -> new AtomicLong[]{new AtomicLong(), new AtomicLong(), new AtomicLong()});
        c[0].incrementAndGet();
        try {
            reading.run();
            c[1].incrementAndGet();
        } catch (RuntimeException e) {
            refused(reader, e);
            c[2].incrementAndGet();
        }
    }

    private static void refused(Reader reader, RuntimeException e) {
        ExitCode code = Main.exitCode(e);
        List<String> lines = Main.errorLines(e);
        if (code != ExitCode.USAGE && code != ExitCode.DATA && code != ExitCode.NO_INPUT) {
            throw new AssertionError(reader + ": exit " + code.code() + ": " + lines, e);
        }
        for (String line : lines) {
            if (line.contains("\n") || line.contains("\r")) {
                throw new AssertionError(reader + ": a refusal of more than one line: " + line, e);
            }
        }
    }

    private static void check(Reader reader, byte[] input) {
        AtomicLong[] c = COUNTS.computeIfAbsent(reader, r -> new AtomicLong[]{new AtomicLong(), new AtomicLong(), new AtomicLong()});
        c[0].incrementAndGet();
        try {
            if (read(reader, input)) {
                c[1].incrementAndGet();
            } else {
                c[2].incrementAndGet();
            }
        } catch (RuntimeException e) {
            refused(reader, e);
            c[2].incrementAndGet();
        }
    }

    /** Reads {@code input}; false when a text reader found a bad record (the job refuses it: exit 65, a line per record). */
    private static boolean read(Reader reader, byte[] input) {
        switch (reader) {
            case JOB_FILE -> JobFiles.parse(new String(input, StandardCharsets.UTF_8), List.of());
            case SWEEP_FILE -> inFile(input, ".conf", f -> SweepCommand.cells(f, List.of(), "runs/fuzz"));
            case MODEL_ZIP -> inFile(input, ".zip", f -> {
                try (ModelArchive a = ModelArchive.open(f.toFile(), "model.zip")) {
                    a.network(true);
                    a.text("normdrop-provenance.json");
                    a.normalizer();
                }
            });
            case IDX -> idx(input);
            case CSV -> {
                return lines(input, CSV_LINES);
            }
            case LIBSVM -> {
                return lines(input, LIBSVM_LINES);
            }
            default -> throw new IllegalArgumentException(reader.name() + " is read through Spark: see ParquetFuzzIT");
        }
        return true;
    }

    /** The input as a file of its own, removed after. */
    private static void inFile(byte[] input, String suffix, Consumer<Path> reading) {
        Path file;
        try {
            file = Files.createTempFile("normdrop-fuzz", suffix);
            Files.write(file, input);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            reading.accept(file);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a temporary file
            }
        }
    }

    /**
     * An IDX pair: the first two bytes give the length of the labels file, which follows; the
     * images file is the rest.
     */
    private static void idx(byte[] input) {
        int n = input.length < 2 ? 0 : Math.min(input.length - 2, (input[0] & 0xff) << 8 | input[1] & 0xff);
        byte[] labels = Arrays.copyOfRange(input, Math.min(2, input.length), Math.min(2, input.length) + n);
        byte[] images = Arrays.copyOfRange(input, Math.min(2, input.length) + n, input.length);
        inFile(labels, "-labels", l -> inFile(images, "-images", i -> new IdxReader(new Configuration())
                .read(new DataSource("train", i.toString(), l.toString(), null, 0), 10)));
    }

    /** Every line of the input through {@code parser}: a record, nothing, or a problem of one line; false when any is a problem. */
    private static boolean lines(byte[] input, TextParsers.LineParser<ParsedRecord> parser) {
        String[] lines = new String(input, StandardCharsets.UTF_8).split("\n", -1);
        boolean good = true;
        for (int i = 0; i < lines.length; i++) {
            ParsedRecord r = parser.parse(lines[i], "fuzz.txt", Problem.Unit.LINE, i + 1);
            if (r != null && !r.isGood()) {
                good = false;
                if (r.problem().toString().contains("\n")) {
                    throw new AssertionError("a problem of more than one line: " + r.problem());
                }
            }
            if (r != null && r.isGood()) {
                float[] values = new float[r.example().width()];
                r.example().copyTo(values, 0, values.length);
                for (float f : values) {
                    if (!Float.isFinite(f)) {
                        throw new AssertionError("a record read with a feature " + f + ": " + lines[i]);
                    }
                }
            }
        }
        return good;
    }

    /** The counts so far, a line per reader. */
    static String table() {
        StringBuilder sb = new StringBuilder();
        for (Reader r : Reader.values()) {
            AtomicLong[] c = COUNTS.get(r);
            if (c != null) {
                sb.append(String.format("%s: %d inputs, %d read, %d refused%n", r, c[0].get(), c[1].get(), c[2].get()));
            }
        }
        return sb.toString();
    }
}
