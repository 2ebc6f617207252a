package io.normdrop.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class RecordSummaryTest {
    private static ParsedRecord bad(String file, long line) {
        return ParsedRecord.bad(new Problem(file, Problem.Unit.LINE, line, "x"));
    }

    @Test
    void mergedTalliesCountEverythingAndKeepTheFirstProblemsInFileOrder() {
        RecordSummary a = new RecordSummary();
        RecordSummary b = new RecordSummary();
        a.add(ParsedRecord.good(Example.dense(new float[]{1, 2}, 2)));
        for (int i = 1; i <= 20; i++) {
            b.add(bad("b.csv", i));
        }
        a.add(bad("a.csv", 99));
        b.add(ParsedRecord.good(Example.sparse(new int[]{4}, new float[]{1}, 0)));
        RecordSummary t = a.merge(b);
        assertEquals(23, t.records());
        assertEquals(2, t.good());
        assertEquals(21, t.bad());
        assertArrayEquals(new long[]{1, 0, 1}, t.labelCounts());
        assertEquals(5, t.maxWidth());
        assertEquals(RecordSummary.KEPT_PROBLEMS, t.problems().size());
        assertEquals("a.csv: line 99: x", t.problems().get(0).toString());
        assertEquals("b.csv: line 1: x", t.problems().get(1).toString());
        assertEquals("b.csv: line 9: x", t.problems().get(RecordSummary.KEPT_PROBLEMS - 1).toString());
    }
}
