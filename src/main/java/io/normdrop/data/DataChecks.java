package io.normdrop.data;

import io.normdrop.config.BadRecordPolicy;
import io.normdrop.config.DataConfig;
import org.apache.spark.SparkException;

import java.util.List;
import java.util.Locale;

/**
 * The checks that training and scoring share on a data set read on Spark: the job's
 * {@code data.onBadRecord} applied to what the set held ({@link #check}), and the data failure
 * found inside a failed Spark job ({@link #unwrap}), so that both fail with the same messages.
 */
public final class DataChecks {
    private DataChecks() {
    }

    /**
     * Applies {@code config}'s data.onBadRecord to a set's records: fail on any bad record, or on
     * too many when skipping; fail on none good.
     *
     * @throws DataException naming the set and the first problems, one line each
     */
    public static void check(DataConfig config, String key, String describe, RecordSummary total, List<Problem> problems) {
        if (total.good() == 0) {
            throw new DataException(describe + ": empty data set (" + (total.records() == 0 ? "no records"
                    : "0 good records of " + total.records() + "; first: " + problems.get(0)) + ")");
        }
        if (total.bad() == 0) {
            return;
        }
        double fraction = (double) total.bad() / total.records();
        boolean fail = config.onBadRecord() == BadRecordPolicy.FAIL || fraction > config.maxBadFraction();
        if (!fail) {
            return;
        }
        StringBuilder m = new StringBuilder(String.format(Locale.ROOT, "%s: %,d bad record(s) of %,d in %s", key,
                total.bad(), total.records(), describe));
        m.append(config.onBadRecord() == BadRecordPolicy.FAIL
                ? " (data.onBadRecord = fail; skip leaves them out)"
                : String.format(Locale.ROOT, ": %.2f%% is more than data.maxBadFraction = %s", 100 * fraction,
                config.maxBadFraction()));
        problems.forEach(p -> m.append('\n').append(p));
        if (total.bad() > problems.size()) {
            m.append(String.format(Locale.ROOT, "%n... and %,d more", total.bad() - problems.size()));
        }
        throw new DataException(m.toString());
    }

    /**
     * The data failure inside a failed Spark job (a bad file found by a task), a failed read as a
     * data failure naming the set, anything else as it is.
     */
    public static RuntimeException unwrap(String key, String describe, Exception e) {
        boolean spark = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            spark |= t instanceof SparkException;
            if (t instanceof DataException d) {
                return d;
            }
            if (t instanceof org.apache.hadoop.mapreduce.lib.input.InvalidInputException
                    || t instanceof java.io.FileNotFoundException) {
                return new MissingInputException(key + ": " + t.getMessage(), e);
            }
        }
        if (!spark) {
            return e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
        return new DataException(key + ": reading " + describe + " failed: "
                + TextRecords.rootMessage(e).replaceAll("\\s+", " "), e);
    }
}
