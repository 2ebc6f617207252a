package io.normdrop.onnx;

import io.normdrop.data.DataException;

/** A model with a layer or activation that the ONNX export cannot write; the message names it. */
public final class UnsupportedModelException extends DataException {
    public UnsupportedModelException(String message) {
        super(message);
    }
}
