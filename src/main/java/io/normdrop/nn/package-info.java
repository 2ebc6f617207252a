/**
 * Networks: the weight-normalized layers (config, implementation, parameter initializer),
 * data-dependent initialization, folding for inference, building and describing networks from
 * the job's model, and diagnostics of trained ones (gain and direction-norm distributions,
 * parameter digest). Depends on config and DL4J only.
 */
package io.normdrop.nn;
