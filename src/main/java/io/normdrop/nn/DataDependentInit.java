package io.normdrop.nn;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.List;

/**
 * Data-dependent initialization of weight-normalized layers (Salimans &amp; Kingma 2016, §3):
 * layer by layer from input to output, with the layers before already initialized, feed a
 * sample forward (inference mode: no dropout), take t = x·v/‖v‖ per unit (for a convolution:
 * t = conv(x, v/‖v‖) per output channel, over examples and positions) and set g = 1/σ(t) and
 * b = −μ(t)/σ(t), so the layer's pre-activations on the sample have zero mean and unit variance. Runs on the driver before distributed training; the result lives only in the
 * parameters, so every worker starts from it.
 */
public final class DataDependentInit {
    /** Added to σ so that a unit that is constant on the sample gets a finite gain. */
    static final double SIGMA_EPSILON = 1e-6;

    private DataDependentInit() {
    }

    /**
     * Initializes every weight-normalized layer of {@code network} in place.
     *
     * @param network an initialized network
     * @param sample  input examples [n, nIn] (or the network's image shape), n >= 2
     * @return how many layers were initialized
     */
    public static int apply(MultiLayerNetwork network, INDArray sample) {
        int done = 0;
        for (int i = 0; i < network.getnLayers(); i++) {
            Layer layer = network.getLayer(i);
            if (!(layer instanceof WeightNormDenseLayer) && !(layer instanceof WeightNormOutputLayer)
                    && !(layer instanceof WeightNormConv2DLayer)) {
                continue;
            }
            List<INDArray> activations = network.feedForwardToLayer(i, sample, false);
            INDArray v = layer.getParam(WeightNormParamInitializer.DIRECTION_KEY);
            INDArray x = activations.get(i).castTo(v.dataType());
            // The activations list holds each layer's input before its preprocessor (images to rows, rows to images).
            InputPreProcessor pre = network.getLayerWiseConfigurations().getInputPreProcess(i);
            if (pre != null && x.rank() != (layer instanceof WeightNormConv2DLayer ? 4 : 2)) {
                x = pre.preProcess(x, (int) x.size(0), LayerWorkspaceMgr.noWorkspaces());
            }
            INDArray mean;
            INDArray sigma;
            if (layer instanceof WeightNormConv2DLayer conv) {
                // t = conv(x, v/‖v‖) per output channel, its statistics over examples and positions.
                layer.getParam(WeightNormParamInitializer.GAIN_KEY).assign(1);
                if (layer.paramTable().containsKey(WeightNormParamInitializer.BIAS_KEY)) {
                    layer.getParam(WeightNormParamInitializer.BIAS_KEY).assign(0);
                }
                INDArray t = conv.preActivations(x);
                mean = t.mean(0, 2, 3).reshape(1, v.size(0));
                sigma = t.std(false, 0, 2, 3).reshape(1, v.size(0)).addi(SIGMA_EPSILON);
            } else {
                INDArray t = x.mmul(v).diviRowVector(WeightNorm.norms(v));
                mean = t.mean(true, 0);
                sigma = t.std(false, true, 0).addi(SIGMA_EPSILON);
            }
            INDArray g = Transforms.pow(sigma, -1, true);
            layer.getParam(WeightNormParamInitializer.GAIN_KEY).assign(g);
            if (layer.paramTable().containsKey(WeightNormParamInitializer.BIAS_KEY)) {
                layer.getParam(WeightNormParamInitializer.BIAS_KEY).assign(mean.negi().muli(g));
            }
            done++;
        }
        return done;
    }
}
