package io.normdrop.data;

import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a good record looks like: how many features (0: not known yet, any width) and which
 * labels (classes 0..classes-1; 0: not known yet, any non-negative whole number; or, for data
 * whose labels are names, one of {@code labels}, class i being {@code labels[i]}). The checks
 * return the fault as text, or null when the value is fine; readers turn faults into
 * {@link Problem}s.
 *
 * @param features     features per example, or 0 while inferring them
 * @param classes      classes, or 0 while inferring them
 * @param featuresFrom what fixed the features, for messages ("the training data", "data.features")
 * @param classesFrom  what fixed the classes, for messages ("the training data", "the job")
 * @param labels       label name → class, for labels that are names; empty when labels are numbers
 */
public record RecordRules(int features, int classes, String featuresFrom, String classesFrom,
                          Map<String, Integer> labels) implements Serializable {
    public RecordRules {
        labels = labels.isEmpty() ? Map.of() : new HashMap<>(labels);
    }

    /** Rules for numeric labels. */
    public RecordRules(int features, int classes, String featuresFrom, String classesFrom) {
        this(features, classes, featuresFrom, classesFrom, Map.of());
    }

    /** Rules whose features and classes both come from {@code source}. */
    public RecordRules(int features, int classes, String source) {
        this(features, classes, source, source);
    }

    /** The same rules with {@code features} found in the training data. */
    RecordRules withFeatures(int features) {
        return new RecordRules(features, classes, "the training data", classesFrom, labels);
    }

    /** The same rules for labels that are names: class i is {@code names[i]}. */
    public RecordRules withLabelNames(List<String> names, String from) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            index.put(names.get(i), i);
        }
        return new RecordRules(features, names.size(), featuresFrom, from, index);
    }

    /** Whether labels are names ({@link #labels}) rather than numbers. */
    public boolean namedLabels() {
        return !labels.isEmpty();
    }

    /** The label names by class; empty when labels are numbers. */
    public List<String> labelNames() {
        return labels.entrySet().stream().sorted(Map.Entry.comparingByValue()).map(Map.Entry::getKey).toList();
    }

    /** The class of a label name, or -1 when it is none of them ({@link #nameFault} says why). */
    int classOf(String name) {
        Integer c = labels.get(name);
        return c == null ? -1 : c;
    }

    /** The fault of a label name that is not a class, or null. */
    String nameFault(String name) {
        if (labels.containsKey(name)) {
            return null;
        }
        List<String> known = labelNames();
        return "label '" + name + "' is not a class of " + classesFrom + " (" + String.join(", ",
                known.size() > 10 ? known.subList(0, 10) : known) + (known.size() > 10 ? ", ..." : "") + ")";
    }

    /** More classes than this are not inferred: a label column that is really an id, say. */
    public static final int MAX_INFERRED_CLASSES = 10_000;

    /** The label, or a fault ({@link #labelFault}) when it is not a usable class. */
    public String labelFault(double label) {
        if (Double.isNaN(label) || Double.isInfinite(label)) {
            return "label " + label + " is not a class";
        }
        if (label != Math.rint(label)) {
            return "label " + number(label) + " is not an integer";
        }
        if (label < 0 || (classes > 0 && label >= classes)) {
            return "label " + number(label) + " out of range: " + (classes > 0
                    ? classesFrom + " has " + classes + " classes (0.." + (classes - 1) + ")" : "labels start at 0");
        }
        if (classes == 0 && label >= MAX_INFERRED_CLASSES) {
            return "label " + number(label) + " too large to infer the classes from (set data.classes)";
        }
        return null;
    }

    /** A fault when an example has {@code width} features (dense) or a feature at index {@code width - 1} (sparse). */
    public String widthFault(int width, boolean sparse) {
        if (features == 0 || (sparse ? width <= features : width == features)) {
            return null;
        }
        return sparse ? "feature index " + width + " beyond the " + features + " features of " + featuresFrom
                : "wrong number of features: " + width + ", " + featuresFrom + " has " + features;
    }

    /** The fault of a feature value that is not finite, or null. */
    public static String valueFault(String what, double value) {
        if (Double.isNaN(value)) {
            return what + " is NaN";
        }
        if (Double.isInfinite(value)) {
            return what + " is infinite";
        }
        return null;
    }

    static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
    }
}
