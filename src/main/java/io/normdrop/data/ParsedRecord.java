package io.normdrop.data;

import java.io.Serializable;

/** What reading one record gave: an example, or the problem that makes it unusable. */
public final class ParsedRecord implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Example example;
    private final Problem problem;

    private ParsedRecord(Example example, Problem problem) {
        this.example = example;
        this.problem = problem;
    }

    public static ParsedRecord good(Example example) {
        return new ParsedRecord(example, null);
    }

    public static ParsedRecord bad(Problem problem) {
        return new ParsedRecord(null, problem);
    }

    public boolean isGood() {
        return example != null;
    }

    /** The example; null for a bad record. */
    public Example example() {
        return example;
    }

    /** The problem; null for a good record. */
    public Problem problem() {
        return problem;
    }
}
