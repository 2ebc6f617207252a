package io.normdrop.data;

import com.univocity.parsers.csv.CsvParser;
import com.univocity.parsers.csv.CsvParserSettings;

import java.util.Arrays;
import java.util.List;

/**
 * Parses one line of csv text into a {@link ParsedRecord} ({@link LibsvmParsers} parses libsvm),
 * and the number checks both text formats share. The csv parser is univocity's, the one Spark's
 * csv source uses (quotes, escapes). Not thread-safe: one per partition.
 */
public final class TextParsers {
    private TextParsers() {
    }

    /** Parses lines of one text format; {@code null} for a line that holds no record (blank, comment). */
    public interface LineParser<T> {
        T parse(String line, String file, Problem.Unit unit, long position);
    }

    /**
     * Which columns of a csv line are not features.
     *
     * @param label  0-based index of the label column; {@link #NONE} when the lines have no label (scoring)
     * @param key    0-based index of a key column passed through to predictions ({@code data.csv.key}); {@link #NONE}
     * @param header column names when the files have a header, for messages; else null
     */
    public record CsvColumns(int label, int key, List<String> header) implements java.io.Serializable {
        public static final int NONE = -1;

        public CsvColumns {
            header = header == null ? null : List.copyOf(header);
        }

        /** Fields of a line that are not features. */
        int notFeatures() {
            return (label == NONE ? 0 : 1) + (key == NONE ? 0 : 1);
        }

        boolean isFeature(int i) {
            return i != label && i != key;
        }
    }

    /**
     * A csv line parser.
     *
     * @param separator field separator
     * @param columns   the label and key columns
     * @param rules     the expected features and classes
     */
    public static LineParser<ParsedRecord> csv(char separator, CsvColumns columns, RecordRules rules) {
        CsvParser parser = csvParser(separator);
        return (line, file, unit, position) -> {
            // univocity counts control characters as whitespace: a line of them parses to nothing (found by fuzzing).
            String[] fields = line.isBlank() ? null : parser.parseLine(line);
            return fields == null ? null : csvRecord(fields, columns, rules, file, unit, position);
        };
    }

    /** A csv line parser that keeps each line's key column and location (scoring). */
    public static LineParser<KeyedRecord> keyedCsv(char separator, CsvColumns columns, RecordRules rules) {
        CsvParser parser = csvParser(separator);
        return (line, file, unit, position) -> {
            String[] fields = line.isBlank() ? null : parser.parseLine(line);
            if (fields == null) {
                return null;
            }
            Object[] key = columns.key() == CsvColumns.NONE ? KeyedRecord.NO_KEYS
                    : new Object[]{columns.key() < fields.length ? fields[columns.key()] : null};
            return new KeyedRecord(file, position, key, csvRecord(fields, columns, rules, file, unit, position));
        };
    }

    private static ParsedRecord csvRecord(String[] fields, CsvColumns columns, RecordRules rules, String file,
                                          Problem.Unit unit, long position) {
        String fault = csvFault(fields, columns, rules);
        if (fault != null) {
            return ParsedRecord.bad(new Problem(file, unit, position, fault));
        }
        float[] values = new float[fields.length - columns.notFeatures()];
        for (int i = 0, k = 0; i < fields.length; i++) {
            if (columns.isFeature(i)) {
                values[k++] = Float.parseFloat(fields[i].trim());
            }
        }
        int label = columns.label() == CsvColumns.NONE ? Example.NO_LABEL
                : rules.namedLabels() ? rules.classOf(fields[columns.label()].trim())
                : (int) Double.parseDouble(fields[columns.label()].trim());
        return ParsedRecord.good(Example.dense(values, label));
    }

    /** The trimmed label field of a csv line, or null when the line is blank or has no such field. */
    public static String csvLabel(CsvParser parser, String line, int labelIndex) {
        if (line.isBlank()) {
            return null;
        }
        String[] fields = parser.parseLine(line);
        return fields != null && labelIndex < fields.length && fields[labelIndex] != null && !fields[labelIndex].isBlank()
                ? fields[labelIndex].trim() : null;
    }

    /** The column names of a csv header line, trimmed. */
    public static List<String> csvHeader(char separator, String line) {
        String[] names = csvParser(separator).parseLine(line);
        return names == null ? List.of() : Arrays.stream(names).map(n -> n == null ? "" : n.trim()).toList();
    }

    static CsvParser csvParser(char separator) {
        CsvParserSettings settings = new CsvParserSettings();
        settings.getFormat().setDelimiter(separator);
        settings.getFormat().setLineSeparator("\n");
        settings.setMaxColumns(1 << 20);
        settings.setMaxCharsPerColumn(-1);
        settings.setIgnoreLeadingWhitespaces(true);
        settings.setIgnoreTrailingWhitespaces(true);
        // No comment lines: univocity's default ('#') made a data line starting with '#' parse to
        // nothing (found by fuzzing: a NullPointerException, exit 70). Such a line is a bad record.
        settings.getFormat().setComment('\0');
        settings.setCommentProcessingEnabled(false);
        return new CsvParser(settings);
    }

    private static String csvFault(String[] fields, CsvColumns columns, RecordRules rules) {
        int labelIndex = columns.label();
        if (labelIndex >= fields.length) {
            return "no label column " + labelIndex + ": the line has " + fields.length + " field(s)";
        }
        if (columns.key() >= fields.length) {
            return "no key column " + columns.key() + ": the line has " + fields.length + " field(s)";
        }
        String widthFault = rules.widthFault(fields.length - columns.notFeatures(), false);
        if (widthFault != null) {
            return widthFault + " (" + fields.length + " fields" + (columns.notFeatures() == 0 ? ""
                    : " with the " + (columns.label() == CsvColumns.NONE ? "key" : columns.key() == CsvColumns.NONE
                    ? "label" : "label and key")) + ")";
        }
        if (labelIndex != CsvColumns.NONE) {
            String label = fields[labelIndex];
            if (label == null || label.isBlank()) {
                return "label is empty";
            }
            if (rules.namedLabels()) {
                String fault = rules.nameFault(label.trim());
                if (fault != null) {
                    return fault;
                }
            } else if (!looksNumeric(label.trim())) {
                return "label '" + label.trim() + "' is not a number"
                        + " (labels that are names are indexed when the first record's label is not a number)";
            } else {
                String labelFault = rules.labelFault(Double.parseDouble(label.trim()));
                if (labelFault != null) {
                    return labelFault;
                }
            }
        }
        List<String> header = columns.header();
        for (int i = 0; i < fields.length; i++) {
            if (!columns.isFeature(i)) {
                continue;
            }
            String column = "column " + i + (header != null && i < header.size() ? " (" + header.get(i) + ")" : "");
            String f = fields[i];
            if (f == null || f.isBlank()) {
                return column + " is empty";
            }
            String text = f.trim();
            if (!looksNumeric(text)) {
                return isNanOrInfinity(text) ? column + " is " + text + " (NaN or infinite)"
                        : column + ": '" + text + "' is not a number";
            }
            String valueFault = RecordRules.valueFault(column, Float.parseFloat(text));
            if (valueFault != null) {
                return valueFault + " (" + text + " overflows a float)";
            }
        }
        return null;
    }

    /**
     * Whether {@code s} is a plain decimal number ({@code -1}, {@code 2.5}, {@code 1e-3}):
     * stricter than {@link Float#parseFloat}, which also takes "NaN", "Infinity", hex floats
     * and a trailing f or d.
     */
    static boolean looksNumeric(String s) {
        int i = 0;
        int n = s.length();
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            i++;
        }
        int digits = 0;
        while (i < n && Character.isDigit(s.charAt(i))) {
            i++;
            digits++;
        }
        if (i < n && s.charAt(i) == '.') {
            i++;
            while (i < n && Character.isDigit(s.charAt(i))) {
                i++;
                digits++;
            }
        }
        if (digits == 0) {
            return false;
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int exponent = 0;
            while (i < n && Character.isDigit(s.charAt(i))) {
                i++;
                exponent++;
            }
            if (exponent == 0) {
                return false;
            }
        }
        return i == n;
    }

    /** Whether {@code s} spells NaN or an infinity ({@code nan}, {@code inf}, {@code infinity}; any case, a sign). */
    static boolean isNanOrInfinity(String s) {
        String t = s.toLowerCase(java.util.Locale.ROOT).replaceFirst("^[+-]", "");
        return Arrays.asList("nan", "inf", "infinity").contains(t);
    }
}
