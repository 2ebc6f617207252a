package io.normdrop.metrics;

import org.nd4j.evaluation.classification.Evaluation;

import java.util.ArrayList;
import java.util.List;

/**
 * How the model does on one class of the test set.
 *
 * @param label     the class label
 * @param precision of the examples predicted as this class, the fraction that are (0 when none are predicted)
 * @param recall    of the examples of this class, the fraction predicted as it: the class's accuracy
 * @param f1        harmonic mean of precision and recall
 * @param support   test examples of this class
 */
public record ClassMetrics(int label, double precision, double recall, double f1, long support) {

    /** Per-class metrics for labels 0 .. classes-1 of an evaluation. */
    public static List<ClassMetrics> of(Evaluation evaluation, int classes) {
        List<ClassMetrics> out = new ArrayList<>(classes);
        for (int c = 0; c < classes; c++) {
            out.add(new ClassMetrics(c, evaluation.precision(c, 0.0), evaluation.recall(c, 0.0),
                    evaluation.f1(c), evaluation.getConfusion().getActualTotal(c)));
        }
        return List.copyOf(out);
    }

    /** The unweighted mean of the classes' F1 scores. */
    public static double macroF1(List<ClassMetrics> classes) {
        return classes.stream().mapToDouble(ClassMetrics::f1).average().orElse(Double.NaN);
    }

    /** {@code counts[actual][predicted]} for labels 0 .. classes-1. */
    public static long[][] confusion(Evaluation evaluation, int classes) {
        long[][] counts = new long[classes][classes];
        for (int a = 0; a < classes; a++) {
            for (int p = 0; p < classes; p++) {
                counts[a][p] = evaluation.getConfusion().getCount(a, p);
            }
        }
        return counts;
    }
}
