package io.normdrop.data;

import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.api.java.JavaNewHadoopRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.NewHadoopPartition;
import scala.Tuple2;

import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Text data sets (csv, libsvm) read on the executors with Hadoop's {@link TextInputFormat}:
 * files, directories and globs on any Hadoop file system, large files split between tasks,
 * {@code .gz} files decompressed. Every record knows its file and line (a split that does not
 * start its file knows the byte offset; {@link ProblemLines} makes it a line for messages).
 */
public final class TextRecords {
    private TextRecords() {
    }

    /** Makes a line parser on the executor (parsers are not serializable). */
    @FunctionalInterface
    public interface ParserFactory<T> extends Serializable {
        TextParsers.LineParser<T> create();
    }

    /**
     * The records of the text files at {@code path}, parsed on the executors. Lines of a split
     * that does not start its file are located by byte offset ({@link Problem.Unit#BYTE}).
     *
     * @param skipHeader skip the first line of every file
     */
    public static <T> JavaRDD<T> read(JavaSparkContext sc, String path, ParserFactory<T> parsers, boolean skipHeader) {
        return read(lines(sc, path), parsers, skipHeader, Map.of());
    }

    /**
     * Like {@link #read}, but every line located by its line number: when a file is split
     * between tasks, a first pass counts the lines of each split (no parsing), so that a split
     * knows the number of its first line (scoring keys each row by file and line).
     */
    public static <T> JavaRDD<T> readNumbered(JavaSparkContext sc, String path, ParserFactory<T> parsers,
                                              boolean skipHeader) {
        JavaNewHadoopRDD<LongWritable, Text> lines = lines(sc, path);
        boolean split = Arrays.stream(lines.rdd().partitions())
                .anyMatch(p -> ((FileSplit) ((NewHadoopPartition) p).serializableHadoopSplit().value()).getStart() > 0);
        Map<String, Long> firstLines = new HashMap<>();
        if (split) {
            List<Tuple2<String, Long>> counts = lines.mapPartitionsWithInputSplit((s, it) -> {
                long n = 0;
                for (; it.hasNext(); it.next()) {
                    n++;
                }
                FileSplit f = (FileSplit) s;
                return List.of(new Tuple2<>(f.getPath() + "@" + f.getStart(), n)).iterator();
            }, false).collect();
            // Splits are in file order, and each file's splits in offset order.
            String file = null;
            long next = 1;
            for (Tuple2<String, Long> c : counts) {
                String f = c._1().substring(0, c._1().lastIndexOf('@'));
                if (!f.equals(file)) {
                    file = f;
                    next = 1;
                }
                firstLines.put(c._1(), next);
                next += c._2();
            }
        }
        return read(lines, parsers, skipHeader, firstLines);
    }

    @SuppressWarnings("unchecked")
    private static JavaNewHadoopRDD<LongWritable, Text> lines(JavaSparkContext sc, String path) {
        return (JavaNewHadoopRDD<LongWritable, Text>) sc.newAPIHadoopFile(path, TextInputFormat.class,
                LongWritable.class, Text.class, sc.hadoopConfiguration());
    }

    private static <T> JavaRDD<T> read(JavaNewHadoopRDD<LongWritable, Text> lines, ParserFactory<T> parsers,
                                       boolean skipHeader, Map<String, Long> firstLines) {
        return lines.mapPartitionsWithInputSplit((split, it) -> {
            FileSplit file = (FileSplit) split;
            String path = file.getPath().toString();
            long firstLine = file.getStart() == 0 ? 1 : firstLines.getOrDefault(path + "@" + file.getStart(), 0L);
            return new Parsing<>(path, file.getStart(), firstLine, it, parsers.create(), skipHeader);
        }, false);
    }

    /** The first line of the first file at {@code path}, or null when there is none (header, width). */
    public static String firstLine(JavaSparkContext sc, String path) {
        List<String> first = sc.newAPIHadoopFile(path, TextInputFormat.class, LongWritable.class, Text.class,
                sc.hadoopConfiguration()).map(t -> t._2().toString()).filter(l -> !l.isBlank()).take(1);
        return first.isEmpty() ? null : first.get(0);
    }

    /**
     * Parses one split's lines lazily; a read failure (corrupt gzip, say) names the file and line.
     * Lines are numbered from {@code firstLine}; 0 when unknown (a split that does not start its
     * file), and then located by byte offset.
     */
    private static final class Parsing<T> implements Iterator<T> {
        private final String file;
        private final long start;
        private final long firstLine;
        private final Iterator<Tuple2<LongWritable, Text>> lines;
        private final TextParsers.LineParser<T> parser;
        private boolean skipHeader;
        private long index;
        private T next;

        Parsing(String file, long start, long firstLine, Iterator<Tuple2<LongWritable, Text>> lines,
                TextParsers.LineParser<T> parser, boolean skipHeader) {
            this.file = file;
            this.start = start;
            this.firstLine = firstLine;
            this.lines = lines;
            this.parser = parser;
            this.skipHeader = skipHeader && start == 0;
        }

        @Override
        public boolean hasNext() {
            while (next == null) {
                Tuple2<LongWritable, Text> line;
                try {
                    if (!lines.hasNext()) {
                        return false;
                    }
                    line = lines.next();
                } catch (Exception e) { // Hadoop's IOException arrives undeclared through Scala's iterator
                    throw new DataException(file + ": unreadable after line " + (start == 0 ? String.valueOf(index)
                            : "?") + ": " + rootMessage(e) + (file.endsWith(".gz") ? " (corrupt or truncated gzip?)" : ""), e);
                }
                index++;
                if (skipHeader) {
                    skipHeader = false;
                    continue;
                }
                // Within the first split the line number is known; further splits know their byte offset.
                Problem.Unit unit = firstLine > 0 ? Problem.Unit.LINE : Problem.Unit.BYTE;
                long position = firstLine > 0 ? firstLine + index - 1 : line._1().get();
                next = parser.parse(line._2().toString(), file, unit, position);
            }
            return true;
        }

        @Override
        public T next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            T r = next;
            next = null;
            return r;
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
