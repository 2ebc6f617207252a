package io.normdrop.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.api.java.JavaNewHadoopRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Text data sets (csv, libsvm) read on the executors with Hadoop's {@link TextInputFormat}:
 * files, directories and globs on any Hadoop file system, large files split between tasks,
 * {@code .gz} files decompressed. Every record knows its file and line (a split that does not
 * start its file knows the byte offset; {@link #lineOf} makes it a line for messages).
 */
public final class TextRecords {
    private TextRecords() {
    }

    /** Makes a line parser on the executor (parsers are not serializable). */
    @FunctionalInterface
    public interface ParserFactory extends Serializable {
        TextParsers.LineParser create();
    }

    /**
     * The records of the text files at {@code path}, parsed on the executors.
     *
     * @param skipHeader skip the first line of every file
     */
    public static JavaRDD<ParsedRecord> read(JavaSparkContext sc, String path, ParserFactory parsers, boolean skipHeader) {
        @SuppressWarnings("unchecked")
        JavaNewHadoopRDD<LongWritable, Text> lines = (JavaNewHadoopRDD<LongWritable, Text>) sc.newAPIHadoopFile(
                path, TextInputFormat.class, LongWritable.class, Text.class, sc.hadoopConfiguration());
        return lines.mapPartitionsWithInputSplit((split, it) -> {
            FileSplit file = (FileSplit) split;
            return new Parsing(file.getPath().toString(), file.getStart(), it, parsers.create(), skipHeader);
        }, false);
    }

    /** The first line of the first file at {@code path}, or null when there is none (header, width). */
    public static String firstLine(JavaSparkContext sc, String path) {
        List<String> first = sc.newAPIHadoopFile(path, TextInputFormat.class, LongWritable.class, Text.class,
                sc.hadoopConfiguration()).map(t -> t._2().toString()).filter(l -> !l.isBlank()).take(1);
        return first.isEmpty() ? null : first.get(0);
    }

    /** The 1-based line that starts at byte {@code offset} of an uncompressed file. */
    public static long lineOf(Configuration hadoop, String file, long offset) throws IOException {
        Path p = new Path(file);
        FileSystem fs = p.getFileSystem(hadoop);
        long line = 1;
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = fs.open(p)) {
            long read = 0;
            while (read < offset) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, offset - read));
                if (n < 0) {
                    break;
                }
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') {
                        line++;
                    }
                }
                read += n;
            }
        }
        return line;
    }

    /** Parses one split's lines lazily; a read failure (corrupt gzip, say) names the file and line. */
    private static final class Parsing implements Iterator<ParsedRecord> {
        private final String file;
        private final long start;
        private final Iterator<Tuple2<LongWritable, Text>> lines;
        private final TextParsers.LineParser parser;
        private boolean skipHeader;
        private long index;
        private ParsedRecord next;

        Parsing(String file, long start, Iterator<Tuple2<LongWritable, Text>> lines, TextParsers.LineParser parser,
                boolean skipHeader) {
            this.file = file;
            this.start = start;
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
                Problem.Unit unit = start == 0 ? Problem.Unit.LINE : Problem.Unit.BYTE;
                long position = start == 0 ? index : line._1().get();
                next = parser.parse(line._2().toString(), file, unit, position);
            }
            return true;
        }

        @Override
        public ParsedRecord next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            ParsedRecord r = next;
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
