package io.normdrop.data;

import java.io.Serializable;
import java.util.Comparator;

/**
 * A bad record: the file, where in it, and what is wrong. Text records found by a split that
 * does not start the file know only their byte offset; the driver turns that into a line
 * number for the problems it prints ({@link ProblemLines}).
 */
public final class Problem implements Serializable {
    private static final long serialVersionUID = 1L;

    /** How {@link #position} locates the record. */
    public enum Unit {
        /** 1-based line of a text file. */
        LINE,
        /** byte offset of the start of a line of an uncompressed text file (not yet a line number). */
        BYTE,
        /** 0-based index of a record (parquet row, IDX example). */
        RECORD
    }

    static final Comparator<Problem> ORDER = Comparator.comparing(Problem::file).thenComparingLong(Problem::position);

    private final String file;
    private final Unit unit;
    private final long position;
    private final String fault;

    public Problem(String file, Unit unit, long position, String fault) {
        this.file = file;
        this.unit = unit;
        this.position = position;
        this.fault = fault;
    }

    public String file() {
        return file;
    }

    public Unit unit() {
        return unit;
    }

    public long position() {
        return position;
    }

    public String fault() {
        return fault;
    }

    Problem atLine(long line) {
        return new Problem(file, Unit.LINE, line, fault);
    }

    /** One line: {@code FILE: line N: FAULT} or {@code FILE: record N: FAULT}. */
    @Override
    public String toString() {
        return file + ": " + switch (unit) {
            case LINE -> "line " + position;
            case BYTE -> "line at byte " + position;
            case RECORD -> "record " + position;
        } + ": " + fault;
    }
}
