/**
 * Job configuration: immutable, validated records built from HOCON job files, {@code --set}
 * overrides and tests, all through the same constructors.
 * Depends on Typesafe Config and DL4J's enums (activations, weight init, losses) only.
 */
package io.normdrop.config;
