/**
 * Networks: builds DL4J network configurations from the job's model and training settings,
 * and describes them. Depends on config and DL4J.
 */
package io.normdrop.nn;
