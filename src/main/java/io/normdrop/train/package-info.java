/**
 * Training: a job's inputs prepared once for {@code train} and {@code validate} alike
 * ({@link io.normdrop.train.TrainingInputs}: data read and checked, scaling fitted, network
 * configuration built), and training on Spark ({@link io.normdrop.train.SparkTrainer}: epoch by
 * epoch, evaluation after every epoch, early stopping, a stop on a NaN or infinite loss, a hook
 * after each epoch for checkpoints) through one interface, {@link io.normdrop.train.Averaging},
 * which all three masters implement and {@link io.normdrop.train.Masters} alone picks, with the
 * training epochs cut for it: by default the workers average among themselves, one barrier stage
 * per epoch ({@link io.normdrop.train.AllReduceAveraging}, whose tasks
 * ({@link io.normdrop.train.AllReduceTask}) exchange through the block managers with
 * {@link io.normdrop.train.BlockExchange}); or round by round ({@link io.normdrop.train.RoundByRound}:
 * the resident master, averaging on the driver, or dl4j-spark's {@code ParameterAveragingTrainingMaster}).
 * Normdrop's two masters share the driver's side of a run ({@link io.normdrop.train.ResidentRun}),
 * average with {@link io.normdrop.train.VectorMean}, measure how far the workers drifted apart
 * ({@link io.normdrop.train.DriftSums}, per parameter tensor of {@link io.normdrop.train.ParamLayout}),
 * and apply the job's averaging schedule and updater-state policy. Rounds and epochs go to metrics
 * sinks. Depends on config, data, nn, metrics (its sink and record types), Spark and dl4j-spark.
 */
package io.normdrop.train;
