package io.normdrop.config;

/**
 * Who averages the workers ({@code training.master}). {@code allreduce} is Normdrop's default:
 * one Spark barrier stage per epoch, each worker keeps its shard of the data and its network,
 * and the workers average among themselves through the executors' block managers.
 * {@code resident} averages on the driver after every round (the workers' networks stay on the
 * executors across rounds; each round is a Spark job and the data is reshuffled every epoch). {@code parameter-averaging} is
 * dl4j-spark's own {@code ParameterAveragingTrainingMaster}, which rebuilds every worker's network
 * each round; it also offers {@code training.approach = export} and dl4j-spark's statistics.
 */
public enum TrainingMasterKind implements JobFileName {
    ALLREDUCE, RESIDENT, PARAMETER_AVERAGING;
}
