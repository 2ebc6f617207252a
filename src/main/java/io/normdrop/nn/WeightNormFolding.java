package io.normdrop.nn;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Folds a trained network for inference: every weight-normalized layer becomes the plain DL4J
 * layer it computes (DenseLayer, OutputLayer or ConvolutionLayer) with W = g·v/‖v‖ and the same bias, activation,
 * loss and dropout settings. The folded network predicts what the original does, needs no
 * Normdrop classes to load, and skips the normalization at every forward pass.
 */
public final class WeightNormFolding {
    private WeightNormFolding() {
    }

    /** Whether the network has any weight-normalized layer to fold. */
    public static boolean hasWeightNorm(MultiLayerConfiguration conf) {
        return conf.getConfs().stream().anyMatch(c -> c.getLayer() instanceof WeightNormDense
                || c.getLayer() instanceof WeightNormOutput || c.getLayer() instanceof WeightNormConv2D);
    }

    /** A new network with plain layers in place of weight-normalized ones; the input is not changed. */
    public static MultiLayerNetwork fold(MultiLayerNetwork network) {
        MultiLayerConfiguration conf = network.getLayerWiseConfigurations().clone();
        for (NeuralNetConfiguration layerConf : conf.getConfs()) {
            if (layerConf.getLayer() instanceof WeightNormDense wn) {
                layerConf.setLayer(copyCommon(wn, new DenseLayer.Builder().hasBias(wn.hasBias())));
            } else if (layerConf.getLayer() instanceof WeightNormOutput wn) {
                layerConf.setLayer(copyCommon(wn, new OutputLayer.Builder(wn.getLossFn()).hasBias(wn.hasBias())));
            } else if (layerConf.getLayer() instanceof WeightNormConv2D wn) {
                ConvolutionLayer.Builder plain = new ConvolutionLayer.Builder(wn.getKernelSize(), wn.getStride(), wn.getPadding());
                plain.dilation(wn.getDilation()).convolutionMode(wn.getConvolutionMode()).hasBias(wn.hasBias());
                plain.dataFormat(wn.getCnn2dDataFormat());
                layerConf.setLayer(copyCommon(wn, plain));
            }
        }
        MultiLayerNetwork folded = new MultiLayerNetwork(conf);
        folded.init();
        for (int i = 0; i < network.getnLayers(); i++) {
            org.deeplearning4j.nn.api.Layer source = network.getLayer(i);
            org.deeplearning4j.nn.api.Layer target = folded.getLayer(i);
            if (source instanceof WeightNormDenseLayer || source instanceof WeightNormOutputLayer
                    || source instanceof WeightNormConv2DLayer) {
                INDArray v = source.getParam(WeightNormParamInitializer.DIRECTION_KEY);
                INDArray g = source.getParam(WeightNormParamInitializer.GAIN_KEY);
                target.getParam("W").assign(source instanceof WeightNormConv2DLayer ? WeightNorm.kernels(v, g)
                        : WeightNorm.weights(v, g));
                if (source.paramTable().containsKey(WeightNormParamInitializer.BIAS_KEY)) {
                    target.getParam("b").assign(source.getParam(WeightNormParamInitializer.BIAS_KEY));
                }
            } else if (source.numParams() > 0) {
                target.params().assign(source.params());
            }
        }
        return folded;
    }

    private static BaseLayer copyCommon(FeedForwardLayer from, FeedForwardLayer.Builder<?> to) {
        to.nIn(from.getNIn()).nOut(from.getNOut()).name(from.getLayerName());
        to.activation(from.getActivationFn()).weightInit(from.getWeightInitFn()).biasInit(from.getBiasInit());
        to.updater(from.getIUpdater()).biasUpdater(from.getBiasUpdater());
        if (from.getIDropout() != null) {
            to.dropOut(from.getIDropout().clone());
        }
        return to.build();
    }
}
