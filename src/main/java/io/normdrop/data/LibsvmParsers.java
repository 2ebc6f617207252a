package io.normdrop.data;

/**
 * Parses one line of libsvm text into a {@link ParsedRecord}, by the rules of Spark's libsvm
 * source: {@code label index:value ...}, indices 1-based and strictly ascending, blank lines and
 * {@code #} comments skipped.
 */
public final class LibsvmParsers {
    private LibsvmParsers() {
    }

    /**
     * A libsvm line parser.
     *
     * @param rules the expected features (0: any index) and classes
     */
    public static TextParsers.LineParser<ParsedRecord> libsvm(RecordRules rules) {
        return (line, file, unit, position) -> libsvmRecord(line, false, rules, file, unit, position);
    }

    /**
     * A libsvm line parser that keeps each line's location and takes lines without a label
     * (the first item an {@code index:value}) as unlabeled (scoring).
     */
    public static TextParsers.LineParser<KeyedRecord> keyedLibsvm(RecordRules rules) {
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
        } else if (!TextParsers.looksNumeric(items[0])) {
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
            } else if (!TextParsers.looksNumeric(value)) {
                fault = "item " + k + ": value '" + value + "' is not a number"
                        + (TextParsers.isNanOrInfinity(value) ? " (NaN or infinite)" : "");
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
}
