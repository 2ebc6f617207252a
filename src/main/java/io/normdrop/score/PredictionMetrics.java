package io.normdrop.score;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.normdrop.data.Problem;
import io.normdrop.metrics.ClassMetrics;
import io.normdrop.metrics.CodeVersion;
import org.nd4j.evaluation.classification.Evaluation;

import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/**
 * What a {@code normdrop predict} run measured, written as {@value #FILE} next to the
 * predictions. Accuracy, macro F1 and per-class figures are DL4J's {@link Evaluation} of the
 * labeled rows, as training reports them; null when no row has a label.
 *
 * @param format        document format, {@value #FORMAT}
 * @param createdAt     ISO-8601 instant the predictions were committed
 * @param code          code version
 * @param model         the model file scored with
 * @param folded        whether it is the folded inference model
 * @param data          the files scored
 * @param records       records read
 * @param scored        rows predicted
 * @param bad           bad records left out ({@code data.onBadRecord = skip})
 * @param problems      the first bad records, one line each
 * @param seconds       reading, scoring and writing, from the model loaded to the files written
 * @param rowsPerSecond {@code scored / seconds}
 * @param labeled       rows with a label
 * @param accuracy      of the labeled rows
 * @param macroF1       unweighted mean of the classes' F1
 * @param perClass      per class: precision, recall, F1, support (labeled rows of the class)
 * @param classNames    names by label; empty when the job has none
 * @param confusion     {@code [actual][predicted]} counts of the labeled rows
 */
public record PredictionMetrics(String format, String createdAt, CodeVersion code, String model, boolean folded,
                                String data, long records, long scored, long bad, List<String> problems, double seconds,
                                double rowsPerSecond, long labeled, Double accuracy, Double macroF1,
                                List<ClassMetrics> perClass, List<String> classNames, long[][] confusion) {
    public static final String FORMAT = "normdrop-predictions/1";
    /** Next to the parquet files; the leading underscore keeps Spark, pandas and Hive readers off it. */
    public static final String FILE = "_predictions.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The metrics of scoring {@code data} with {@code model}, as found in {@code summary}. */
    public static PredictionMetrics of(TrainedModel model, String data, Predictions.Summary summary, double seconds) {
        long[][] confusion = summary.confusion();
        int classes = confusion.length;
        Evaluation evaluation = new Evaluation(classes);
        for (int a = 0; a < classes; a++) {
            for (int p = 0; p < classes; p++) {
                for (long n = 0; n < confusion[a][p]; n++) {
                    evaluation.eval(p, a);
                }
            }
        }
        long labeled = summary.labeled();
        List<ClassMetrics> perClass = labeled == 0 ? List.of() : ClassMetrics.of(evaluation, classes);
        return new PredictionMetrics(FORMAT, Instant.now().toString(), CodeVersion.current(), model.file(),
                model.folded(), data, summary.records().records(), summary.scored(), summary.records().bad(),
                summary.records().problems().stream().map(Problem::toString).toList(), seconds, summary.scored() / seconds,
                labeled, labeled == 0 ? null : evaluation.accuracy(), labeled == 0 ? null : ClassMetrics.macroF1(perClass),
                perClass, model.classNames(), confusion);
    }

    public String json() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
