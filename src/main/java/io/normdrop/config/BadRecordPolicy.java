package io.normdrop.config;

/** What a bad record (unparsable, wrong width, NaN, bad label) does ({@code data.onBadRecord}). */
public enum BadRecordPolicy implements JobFileName {
    /** Stop before training with the data-error exit code, listing the first problems. */
    FAIL,
    /** Leave bad records out, count them in the metrics; still fail above {@code data.maxBadFraction}. */
    SKIP;
}
