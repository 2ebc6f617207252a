package io.normdrop.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextParsersTest {
    private static final RecordRules THREE_FEATURES_FOUR_CLASSES = new RecordRules(3, 4, "the training data");

    private static ParsedRecord csv(String line) {
        return TextParsers.csv(',', new TextParsers.CsvColumns(0, TextParsers.CsvColumns.NONE, List.of("label", "a", "b", "c")), THREE_FEATURES_FOUR_CLASSES)
                .parse(line, "data.csv", Problem.Unit.LINE, 7);
    }

    private static float[] features(ParsedRecord r, int n) {
        float[] out = new float[n];
        r.example().copyTo(out, 0, n);
        return out;
    }

    @Test
    void csvLineBecomesLabelAndFeatures() {
        ParsedRecord r = csv(" 2 , 1.5, -3e2,\"7\"");
        assertTrue(r.isGood(), () -> r.problem().toString());
        assertEquals(2, r.example().label());
        assertArrayEquals(new float[]{1.5f, -300f, 7f}, features(r, 3));
        assertNull(csv("   "), "a blank line is no record");
    }

    @Test
    void labelColumnMayBeAnywhere() {
        ParsedRecord r = TextParsers.csv(';', new TextParsers.CsvColumns(2, TextParsers.CsvColumns.NONE, null), THREE_FEATURES_FOUR_CLASSES).parse("1;2;3.0;4", "f", Problem.Unit.LINE, 1);
        assertEquals(3, r.example().label());
        assertArrayEquals(new float[]{1, 2, 4}, features(r, 3));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            1,2,3                | data.csv: line 7: wrong number of features: 2, the training data has 3 (3 fields with the label)
            1,2,3,4,5            | data.csv: line 7: wrong number of features: 4, the training data has 3 (5 fields with the label)
            1,2,x,4              | data.csv: line 7: column 2 (b): 'x' is not a number
            1,2,,4               | data.csv: line 7: column 2 (b) is empty
            1,NaN,3,4            | data.csv: line 7: column 1 (a) is NaN (NaN or infinite)
            1,2,-Infinity,4      | data.csv: line 7: column 2 (b) is -Infinity (NaN or infinite)
            1,2,3,1e39           | data.csv: line 7: column 3 (c) is infinite (1e39 overflows a float)
            1,2,0x1p3,4          | data.csv: line 7: column 2 (b): '0x1p3' is not a number
            1,2,3f,4             | data.csv: line 7: column 2 (b): '3f' is not a number
            1.5,2,3,4            | data.csv: line 7: label 1.5 is not an integer
            4,2,3,4              | data.csv: line 7: label 4 out of range: the training data has 4 classes (0..3)
            -1,2,3,4             | data.csv: line 7: label -1 out of range: the training data has 4 classes (0..3)
            cat,2,3,4            | data.csv: line 7: label 'cat' is not a number (labels that are names are indexed when the first record's label is not a number)
            ,2,3,4               | data.csv: line 7: label is empty
            """)
    void everyCsvFaultNamesFileLineAndField(String line, String expected) {
        ParsedRecord r = csv(line);
        assertFalse(r.isGood());
        assertEquals(expected, r.problem().toString());
    }

    @Test
    void inferringClassesAcceptsAnyWholeLabelButNotHugeOnes() {
        RecordRules infer = new RecordRules(0, 0, "the training data");
        assertNull(infer.labelFault(57));
        assertEquals("label 10000 too large to infer the classes from (set data.classes)", infer.labelFault(10_000));
        assertEquals("label -2 out of range: labels start at 0", infer.labelFault(-2));
    }

    private static ParsedRecord libsvm(String line, int features) {
        return LibsvmParsers.libsvm(new RecordRules(features, 4, "the training data")).parse(line, "d.svm", Problem.Unit.BYTE, 120);
    }

    @Test
    void libsvmLineIsSparseOneBased() {
        ParsedRecord r = libsvm("3 1:0.5 4:-2 5:1e1", 6);
        assertTrue(r.isGood(), () -> r.problem().toString());
        assertEquals(3, r.example().label());
        assertEquals(5, r.example().width());
        assertArrayEquals(new float[]{0.5f, 0, 0, -2f, 10f, 0}, features(r, 6));
        assertTrue(libsvm("0", 6).isGood(), "an example with no non-zero feature");
        assertNull(libsvm("# a comment", 6));
        assertNull(libsvm("", 6));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            1 1:2 3              | d.svm: line at byte 120: item 2 '3' is not index:value
            1 0:2                | d.svm: line at byte 120: item 1: index '0' is not a whole number >= 1
            1 3:2 2:1            | d.svm: line at byte 120: item 2: index 2 after 3 (indices must be 1-based and strictly ascending)
            1 2:2 2:1            | d.svm: line at byte 120: item 2: index 2 after 2 (indices must be 1-based and strictly ascending)
            1 2:abc              | d.svm: line at byte 120: item 1: value 'abc' is not a number
            1 2:nan              | d.svm: line at byte 120: item 1: value 'nan' is not a number (NaN or infinite)
            1 7:1                | d.svm: line at byte 120: feature index 7 beyond the 6 features of the training data
            x 1:1                | d.svm: line at byte 120: label 'x' is not a number
            9 1:1                | d.svm: line at byte 120: label 9 out of range: the training data has 4 classes (0..3)
            """)
    void everyLibsvmFaultNamesTheItem(String line, String expected) {
        ParsedRecord r = libsvm(line, 6);
        assertFalse(r.isGood());
        assertEquals(expected, r.problem().toString());
    }

    @Test
    void numbersArePlainDecimalsOnly() {
        for (String ok : List.of("0", "-1", "+2.5", ".5", "5.", "1e-3", "1E+10", "007")) {
            assertTrue(TextParsers.looksNumeric(ok), ok);
        }
        for (String bad : List.of("", "-", ".", "e5", "1e", "1.2.3", "NaN", "Infinity", "0x10", "1f", "1d", "1,5", " 1")) {
            assertFalse(TextParsers.looksNumeric(bad), bad);
        }
    }
}
