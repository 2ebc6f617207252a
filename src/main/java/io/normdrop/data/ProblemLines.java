package io.normdrop.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The resolution of a bad record's file and line, on the driver: a text record found by a split
 * that does not start its file knows only its byte offset ({@link Problem.Unit#BYTE}); the
 * problems printed say the line, counted in the file.
 */
final class ProblemLines {
    private ProblemLines() {
    }

    /** The problems with byte offsets turned into line numbers; a file that cannot be read keeps its offset. */
    static List<Problem> resolve(Configuration hadoop, List<Problem> problems) {
        List<Problem> out = new ArrayList<>();
        for (Problem p : problems) {
            if (p.unit() == Problem.Unit.BYTE) {
                try {
                    out.add(p.atLine(lineOf(hadoop, p.file(), p.position())));
                    continue;
                } catch (IOException e) {
                    // keep the byte offset: still exact
                }
            }
            out.add(p);
        }
        return out;
    }

    /** The 1-based line that starts at byte {@code offset} of an uncompressed file. */
    static long lineOf(Configuration hadoop, String file, long offset) throws IOException {
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
}
