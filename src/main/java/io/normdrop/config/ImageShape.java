package io.normdrop.config;

import java.util.List;

/**
 * The shape of an example that is an image: its features are the pixels of {@code channels}
 * planes of {@code height × width}, channel by channel, each plane row by row (as DL4J's
 * {@code InputType.convolutionalFlat} and an IDX file lay them out).
 */
public record ImageShape(int channels, int height, int width) {
    public ImageShape {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("image shape " + List.of(channels, height, width) + ": each size must be >= 1");
        }
    }

    /** The shape {@code [channels, height, width]} as a job file gives it, checked by {@code data.shape}'s rule. */
    static ImageShape of(List<Integer> shape) {
        return new ImageShape(shape.get(0), shape.get(1), shape.get(2));
    }

    /** Features per example: channels × height × width. */
    public long features() {
        return (long) channels * height * width;
    }

    /** E.g. {@code [1, 28, 28]}, as a job file writes it. */
    @Override
    public String toString() {
        return List.of(channels, height, width).toString();
    }
}
