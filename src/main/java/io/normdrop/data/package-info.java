/**
 * Data: reading MNIST-format IDX files from any Hadoop file system with validation, and cutting
 * them into normalized minibatch DataSets on Spark. Depends on config, Hadoop, Spark and ND4J.
 */
package io.normdrop.data;
