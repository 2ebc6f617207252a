/**
 * Networks: the weight-normalized layers (config, implementation, parameter initializer),
 * data-dependent initialization, folding for inference, and building and describing networks
 * from the job's model. Depends on config and DL4J only.
 */
package io.normdrop.nn;
