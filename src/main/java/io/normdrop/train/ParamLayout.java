package io.normdrop.train;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Where each parameter tensor (a layer's W and b, or g, V and b) lies in a network's flat
 * parameter vector, the vector the averaging exchanges; serializable, as the workers measure
 * drift per tensor.
 */
final class ParamLayout implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int[] layer;
    private final String[] param;
    private final int[] from;
    private final int[] to;

    private ParamLayout(int[] layer, String[] param, int[] from, int[] to) {
        this.layer = layer;
        this.param = param;
        this.from = from;
        this.to = to;
    }

    /** The layout of {@code network}'s parameters, read from the views DL4J keeps into its flat vector. */
    static ParamLayout of(MultiLayerNetwork network) {
        INDArray flat = network.params();
        record Tensor(int layer, String param, int from, int to) {
        }
        List<Tensor> tensors = new ArrayList<>();
        for (Map.Entry<String, INDArray> e : network.paramTable().entrySet()) {
            String key = e.getKey();
            int cut = key.indexOf('_');
            int start = (int) (e.getValue().offset() - flat.offset());
            tensors.add(new Tensor(Integer.parseInt(key.substring(0, cut)), key.substring(cut + 1), start,
                    start + (int) e.getValue().length()));
        }
        tensors.sort(Comparator.comparingInt(Tensor::from));
        int next = 0;
        for (Tensor t : tensors) {
            if (t.from() != next) {
                throw new IllegalStateException("parameter " + t.layer() + "_" + t.param() + " starts at " + t.from()
                        + " of the flat vector, expected " + next);
            }
            next = t.to();
        }
        if (next != flat.length()) {
            throw new IllegalStateException("the parameter tensors cover " + next + " of " + flat.length() + " parameters");
        }
        return new ParamLayout(tensors.stream().mapToInt(Tensor::layer).toArray(),
                tensors.stream().map(Tensor::param).toArray(String[]::new),
                tensors.stream().mapToInt(Tensor::from).toArray(), tensors.stream().mapToInt(Tensor::to).toArray());
    }

    /** Parameter tensors. */
    int tensors() {
        return layer.length;
    }

    /** Parameters in all tensors. */
    int parameters() {
        return layer.length == 0 ? 0 : to[layer.length - 1];
    }

    int layer(int tensor) {
        return layer[tensor];
    }

    /** DL4J's name of the tensor within its layer: W, b, g, V. */
    String param(int tensor) {
        return param[tensor];
    }

    int from(int tensor) {
        return from[tensor];
    }

    int to(int tensor) {
        return to[tensor];
    }

    /** The tensor holding parameter {@code index}; -1 past the last parameter (the updater state). */
    int tensorAt(int index) {
        if (index >= parameters()) {
            return -1;
        }
        int i = Arrays.binarySearch(from, index);
        return i >= 0 ? i : -i - 2;
    }
}
