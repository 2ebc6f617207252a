package io.normdrop.data;

import java.io.Serializable;

/**
 * A record read for scoring: where it is ({@code file} and {@code row}: the 1-based line of a text
 * file, the 0-based record of a parquet or IDX file), the key columns the job passes through, and
 * what reading it gave. A class, not a record, for Kryo.
 */
public final class KeyedRecord implements Serializable {
    private static final long serialVersionUID = 1L;
    /** The keys of a record when the job passes no column through. */
    public static final Object[] NO_KEYS = new Object[0];

    private final String file;
    private final long row;
    private final Object[] keys;
    private final ParsedRecord record;

    public KeyedRecord(String file, long row, Object[] keys, ParsedRecord record) {
        this.file = file;
        this.row = row;
        this.keys = keys;
        this.record = record;
    }

    public String file() {
        return file;
    }

    public long row() {
        return row;
    }

    /** The values of the key columns, in the job's order (external Spark types: String, Long, ...). */
    public Object[] keys() {
        return keys;
    }

    public ParsedRecord record() {
        return record;
    }
}
