/**
 * Training: a job's inputs prepared once for {@code train} and {@code validate} alike
 * ({@link io.normdrop.train.TrainingInputs}: data read and checked, scaling fitted, network
 * configuration built), and training on Spark ({@link io.normdrop.train.SparkTrainer}: the epoch
 * plan, evaluation after every epoch, a stop on a NaN or infinite loss, a hook after each epoch for
 * checkpoints) with parameter averaging: by default the workers average among themselves, one
 * barrier stage per epoch ({@link io.normdrop.train.AllReduceAveraging}, exchanging through the
 * block managers with {@link io.normdrop.train.BlockExchange}); or round by round behind one
 * interface ({@link io.normdrop.train.Averaging}: the resident master, averaging on the driver,
 * or dl4j-spark's {@code ParameterAveragingTrainingMaster}). Normdrop's two masters average with
 * {@link io.normdrop.train.WorkerMean}, which also measures how far the workers drifted apart
 * (per parameter tensor, {@link io.normdrop.train.ParamLayout}), and apply the job's averaging
 * schedule and updater-state policy. Rounds and epochs go to metrics sinks. Depends on config, data, nn, metrics (its sink and record types), Spark and dl4j-spark.
 */
package io.normdrop.train;
