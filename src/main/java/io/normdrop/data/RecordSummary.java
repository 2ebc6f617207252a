package io.normdrop.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What one pass over a partition's records found: how many records, how many good and bad,
 * the first problems, how many examples of each label and the widest example. Summaries of
 * partitions merge into the data set's.
 */
public final class RecordSummary implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Problems kept for messages. */
    static final int KEPT_PROBLEMS = 10;

    private long records;
    private long good;
    private long[] labelCounts = new long[0];
    private int maxWidth;
    private final List<Problem> problems = new ArrayList<>();

    /** Counts one record (an unlabeled example counts under no label). */
    public void add(ParsedRecord r) {
        records++;
        if (r.isGood()) {
            good++;
            int label = r.example().label();
            if (label >= labelCounts.length) {
                labelCounts = Arrays.copyOf(labelCounts, label + 1);
            }
            if (label != Example.NO_LABEL) {
                labelCounts[label]++;
            }
            maxWidth = Math.max(maxWidth, r.example().width());
        } else if (problems.size() < KEPT_PROBLEMS) {
            problems.add(r.problem());
        }
    }

    /** Counts {@code n} good records whose examples are not at hand (rows already scored). */
    public void addGood(long n) {
        records += n;
        good += n;
    }

    /** This summary plus {@code other}'s (this one changed). */
    public RecordSummary merge(RecordSummary other) {
        records += other.records;
        good += other.good;
        if (other.labelCounts.length > labelCounts.length) {
            labelCounts = Arrays.copyOf(labelCounts, other.labelCounts.length);
        }
        for (int i = 0; i < other.labelCounts.length; i++) {
            labelCounts[i] += other.labelCounts[i];
        }
        maxWidth = Math.max(maxWidth, other.maxWidth);
        problems.addAll(other.problems);
        problems.sort(Problem.ORDER);
        if (problems.size() > KEPT_PROBLEMS) {
            problems.subList(KEPT_PROBLEMS, problems.size()).clear();
        }
        return this;
    }

    public long records() {
        return records;
    }

    public long good() {
        return good;
    }

    public long bad() {
        return records - good;
    }

    /** Examples per label, 0..largest label. */
    public long[] labelCounts() {
        return labelCounts.clone();
    }

    /** The largest number of features of a good record (the largest index + 1 when sparse). */
    public int maxWidth() {
        return maxWidth;
    }

    /**
     * This summary less {@code examples[label]} good examples of each label, held out of the set
     * (a new summary; this one is unchanged).
     */
    public RecordSummary without(long[] examples) {
        RecordSummary s = new RecordSummary();
        s.merge(this);
        for (int label = 0; label < examples.length && label < s.labelCounts.length; label++) {
            s.labelCounts[label] -= examples[label];
            s.records -= examples[label];
            s.good -= examples[label];
        }
        return s;
    }

    /** A summary of {@code examples[label]} good examples of each label, as wide as {@code width}. */
    public static RecordSummary ofExamples(long[] examples, int width) {
        RecordSummary s = new RecordSummary();
        s.labelCounts = examples.clone();
        for (long n : examples) {
            s.records += n;
            s.good += n;
        }
        s.maxWidth = width;
        return s;
    }

    /** The first bad records, in file and record order (at most {@value #KEPT_PROBLEMS}). */
    public List<Problem> problems() {
        return List.copyOf(problems);
    }
}
