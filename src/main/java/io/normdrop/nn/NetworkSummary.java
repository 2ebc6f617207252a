package io.normdrop.nn;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a network is, layer by layer: type, shape, activation, parameter count and the
 * effective dropout retain probability on the layer's input, read back from the built DL4J
 * configuration (not from the job), so it shows what will really run.
 */
public record NetworkSummary(List<Row> layers, long parameters) {

    /**
     * @param index      layer index
     * @param type       DL4J layer class
     * @param nIn        inputs
     * @param nOut       outputs
     * @param activation activation function
     * @param parameters weights and biases
     * @param keep       effective retain probability of the input in training (1 = no dropout)
     */
    public record Row(int index, String type, long nIn, long nOut, String activation, long parameters, double keep) {
    }

    public static NetworkSummary of(MultiLayerConfiguration conf) {
        List<Row> rows = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < conf.getConfs().size(); i++) {
            Layer layer = conf.getConf(i).getLayer();
            long params = layer.initializer().numParams(conf.getConf(i));
            total += params;
            long nIn = layer instanceof FeedForwardLayer ff ? ff.getNIn() : 0;
            long nOut = layer instanceof FeedForwardLayer ff ? ff.getNOut() : 0;
            String activation = layer instanceof BaseLayer base ? base.getActivationFn().toString() : "-";
            rows.add(new Row(i, layer.getClass().getSimpleName(), nIn, nOut, activation, params, keep(layer.getIDropout())));
        }
        return new NetworkSummary(List.copyOf(rows), total);
    }

    /** Retain probability of DL4J's dropout; 1 when the layer has none. */
    static double keep(IDropout dropout) {
        if (dropout == null) {
            return 1.0;
        }
        if (dropout instanceof Dropout d) {
            if (d.getPSchedule() != null) {
                return Double.NaN;
            }
            return d.getP();
        }
        return Double.NaN;
    }

    /** A fixed-width table, one line per layer, then the total. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-3s %-17s %7s %7s %-10s %11s %s%n", "#", "layer", "in", "out",
                "activation", "params", "input keep"));
        for (Row r : layers) {
            String keep = r.keep() == 1.0 ? "1 (no dropout)" : Double.isNaN(r.keep()) ? "custom" : String.valueOf(r.keep());
            sb.append(String.format(Locale.ROOT, "%-3d %-17s %7d %7d %-10s %,11d %s%n", r.index(), r.type(), r.nIn(),
                    r.nOut(), r.activation().toLowerCase(Locale.ROOT), r.parameters(), keep));
        }
        sb.append(String.format(Locale.ROOT, "total parameters: %,d%n", parameters));
        return sb.toString();
    }
}
