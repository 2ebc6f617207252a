package io.normdrop.data;

import com.univocity.parsers.csv.CsvParser;
import com.univocity.parsers.csv.CsvParserSettings;

import java.util.Arrays;
import java.util.List;

/**
 * Parses one line of csv or libsvm text into a {@link ParsedRecord}. The csv parser is
 * univocity's, the one Spark's csv source uses (quotes, escapes); the libsvm rules are Spark's
 * libsvm source's: {@code label index:value ...}, indices 1-based and strictly ascending,
 * blank lines and {@code #} comments skipped. Not thread-safe: one per partition.
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
     * A libsvm line parser.
     *
     * @param rules the expected features (0: any index) and classes
     */
    public static LineParser<ParsedRecord> libsvm(RecordRules rules) {
        return (line, file, unit, position) -> libsvmRecord(line, false, rules, file, unit, position);
    }

    /**
     * A libsvm line parser that keeps each line's location and takes lines without a label
     * (the first item an {@code index:value}) as unlabeled (scoring).
     */
    public static LineParser<KeyedRecord> keyedLibsvm(RecordRules rules) {
        return (line, file, unit, position) -> {
            ParsedRecord r = libsvmRecord(line, true, rules, file, unit, position);
            return r == null ? null : new KeyedRecord(file, position, KeyedRecord.NO_KEYS, r);
        };
    }

    private static ParsedRecord libsvmRecord(String line, boolean labelOptional, RecordRules rules, String file,
                                             Problem.Unit unit, long position) {
        String text = line.trim();
        if (text.isEmpty() || text.startsWith("#")) {
            return null;
        }
        String[] items = text.split("\\s+");
        // Without a label the first item is already index:value.
        int first = labelOptional && items[0].indexOf(':') > 0 ? 0 : 1;
        String fault;
        if (first == 0) {
            fault = null;
        } else if (!looksNumeric(items[0])) {
            fault = "label '" + items[0] + "' is not a number";
        } else {
            fault = rules.labelFault(Double.parseDouble(items[0]));
        }
        int[] indices = new int[items.length - first];
        float[] values = new float[items.length - first];
        int previous = 0;
        for (int k = first; k < items.length && fault == null; k++) {
            String item = items[k];
            int colon = item.indexOf(':');
            if (colon <= 0 || colon == item.length() - 1) {
                fault = "item " + k + " '" + item + "' is not index:value";
                break;
            }
            String index = item.substring(0, colon);
            String value = item.substring(colon + 1);
            if (!index.matches("\\d{1,9}") || Integer.parseInt(index) == 0) {
                fault = "item " + k + ": index '" + index + "' is not a whole number >= 1";
            } else if (Integer.parseInt(index) <= previous) {
                fault = "item " + k + ": index " + index + " after " + previous
                        + " (indices must be 1-based and strictly ascending)";
            } else if (!looksNumeric(value)) {
                fault = "item " + k + ": value '" + value + "' is not a number"
                        + (isNanOrInfinity(value) ? " (NaN or infinite)" : "");
            } else {
                previous = Integer.parseInt(index);
                indices[k - first] = previous - 1;
                values[k - first] = Float.parseFloat(value);
                // The message only for a bad value: building it for every value cost more than parsing.
                String valueFault = Float.isFinite(values[k - first]) ? null
                        : RecordRules.valueFault("item " + k + " (index " + index + ")", values[k - first]);
                if (valueFault != null) {
                    fault = valueFault + " (" + value + " overflows a float)";
                }
            }
        }
        if (fault == null) {
            fault = rules.widthFault(previous, true);
        }
        if (fault != null) {
            return ParsedRecord.bad(new Problem(file, unit, position, fault));
        }
        return ParsedRecord.good(Example.sparse(indices, values,
                first == 0 ? Example.NO_LABEL : (int) Double.parseDouble(items[0])));
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

    private static boolean isNanOrInfinity(String s) {
        String t = s.toLowerCase(java.util.Locale.ROOT).replaceFirst("^[+-]", "");
        return Arrays.asList("nan", "inf", "infinity").contains(t);
    }
}
