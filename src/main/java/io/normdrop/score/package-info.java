/**
 * Scoring with a trained model: the model as a run left it ({@link io.normdrop.score.TrainedModel}:
 * the folded or trained network, the exact feature scaling, the training job and its label
 * names), broadcast to the executors ({@link io.normdrop.score.ScoringNetwork}) that turn records
 * into prediction rows minibatch by minibatch ({@link io.normdrop.score.Predictions}), and what a
 * scoring run measured ({@link io.normdrop.score.PredictionMetrics}). Depends on config, data,
 * metrics (its class metrics and code version), store (the model files' names), Spark and DL4J.
 */
package io.normdrop.score;
