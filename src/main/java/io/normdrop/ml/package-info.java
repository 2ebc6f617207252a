/**
 * Spark ML: {@link io.normdrop.ml.NormdropClassifier}, an Estimator that trains a Normdrop network on
 * a DataFrame with the trainer of {@code normdrop train}, and its model, which scores in minibatches
 * and saves and loads in Pipelines. Depends on config, data, train, score, store (the model file's
 * scaling entry), metrics (a logging sink), Spark MLlib and DL4J's ModelSerializer; nothing depends on it.
 */
package io.normdrop.ml;
