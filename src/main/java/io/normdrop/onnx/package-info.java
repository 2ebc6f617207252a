/**
 * ONNX export: a trained network written as an ONNX model that takes the data files' raw rows
 * (the model's pixel and feature scaling are nodes of the graph) and gives class probabilities,
 * with the run's identity in its metadata ({@link io.normdrop.onnx.OnnxExport}); the graph is
 * built with the protobuf classes protoc generates from ONNX's own schema
 * ({@code src/main/proto/onnx/onnx.proto}, package {@code onnx}). Depends on config (the data
 * format), data (the feature scaling), nn (folding weight-norm layers), DL4J and protobuf-java.
 */
package io.normdrop.onnx;
