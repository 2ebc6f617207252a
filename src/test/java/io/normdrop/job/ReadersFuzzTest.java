package io.normdrop.job;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of every reader of outside input with Jazzer. In a plain test run
 * (regression mode) each method runs its committed inputs, under
 * {@code src/test/resources/io/normdrop/job/ReadersFuzzTestInputs/METHOD/}; with
 * {@code JAZZER_FUZZ=1} (deploy/bench.sh fuzz) Jazzer mutates them, guided by coverage, for as
 * many inputs as {@code maxExecutions}. Every input must be read or refused as
 * {@link FuzzTargets} says; a defect's input is written next to the committed ones.
 */
class ReadersFuzzTest {
    @FuzzTest(maxExecutions = 10_000)
    void jobFile(byte[] input) {
        FuzzTargets.run(FuzzTargets.Reader.JOB_FILE, input);
    }

    @FuzzTest(maxExecutions = 10_000)
    void sweepFile(byte[] input) {
        FuzzTargets.run(FuzzTargets.Reader.SWEEP_FILE, input);
    }

    @FuzzTest(maxExecutions = 10_000)
    void modelZip(byte[] input) {
        FuzzTargets.run(FuzzTargets.Reader.MODEL_ZIP, input);
    }

    @FuzzTest(maxExecutions = 10_000)
    void idx(byte[] input) {
        FuzzTargets.run(FuzzTargets.Reader.IDX, input);
    }

    @FuzzTest(maxExecutions = 10_000)
    void csv(byte[] input) {
        FuzzTargets.run(FuzzTargets.Reader.CSV, input);
    }

    @FuzzTest(maxExecutions = 10_000)
    void libsvm(byte[] input) {
        FuzzTargets.run(FuzzTargets.Reader.LIBSVM, input);
    }
}
