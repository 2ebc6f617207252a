package io.normdrop.config;

/**
 * Which dl4j-spark {@code TrainingMaster} averages the workers ({@code training.master}).
 * {@code resident} is Normdrop's: the workers' networks stay on the executors across averaging
 * rounds and each worker runs with its share of the cores. {@code parameter-averaging} is
 * dl4j-spark's own {@code ParameterAveragingTrainingMaster}, which rebuilds every worker's network
 * each round; it also offers {@code training.approach = export} and dl4j-spark's statistics.
 */
public enum TrainingMasterKind implements JobFileName {
    RESIDENT, PARAMETER_AVERAGING;
}
