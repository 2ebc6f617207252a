package io.normdrop.score;

import io.normdrop.data.Example;
import io.normdrop.data.FeatureScaler;
import org.apache.spark.SparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * A trained network as the executors score with it: broadcast once (its configuration as JSON,
 * its parameters as floats, the feature scaling), built once per task, and fed minibatches of
 * rows through {@code output()} in inference mode (no dropout). The task's network stops at the
 * output layer's pre-activation (its raw scores: for a softmax layer the logits), and the scorer
 * applies the layer's own activation to them: one forward pass gives both, and the probabilities
 * are bit for bit those of the trained network's {@code output()}, which applies the same
 * activation to the same pre-activation.
 */
public final class ScoringNetwork implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String configuration;
    private final float[] params;
    private final FeatureScaler scaler;
    private final int features;
    private final int classes;
    private final int threads;

    /**
     * @param threads ND4J/BLAS threads of each task that scores
     */
    public ScoringNetwork(MultiLayerNetwork network, FeatureScaler scaler, int threads) {
        this.configuration = network.getLayerWiseConfigurations().toJson();
        this.params = network.params().castTo(DataType.FLOAT).toFloatVector();
        this.scaler = scaler;
        this.features = inputFeatures(network);
        this.classes = (int) network.layerSize(network.getnLayers() - 1);
        this.threads = Math.max(1, threads);
    }

    /**
     * Features per example {@code network} takes as a row: the first layer's input size, or for a
     * network that starts with convolutions, the pixels of the image its first preprocessor
     * makes of a row (channels × height × width; the first layer's input size is its channels).
     */
    public static int inputFeatures(MultiLayerNetwork network) {
        if (network.getLayerWiseConfigurations().getInputPreProcess(0) instanceof FeedForwardToCnnPreProcessor image) {
            return Math.toIntExact(image.getNumChannels() * image.getInputHeight() * image.getInputWidth());
        }
        return (int) network.layerInputSize(0);
    }

    /**
     * ND4J/BLAS threads for each scoring task: the cores of a task ({@code spark.task.cpus}); in
     * local mode the JVM's cores shared by the tasks that run at once.
     */
    public static int threadsPerTask(SparkContext sc) {
        return sc.isLocal() ? Math.max(1, Runtime.getRuntime().availableProcessors() / sc.defaultParallelism())
                : sc.getConf().getInt("spark.task.cpus", 1);
    }

    public int features() {
        return features;
    }

    public int classes() {
        return classes;
    }

    /** A network holding the parameters, for one task. */
    public Scorer scorer() {
        if (Nd4j.getEnvironment().maxThreads() != threads) {
            Nd4j.getEnvironment().setMaxThreads(threads);
            Nd4j.getEnvironment().setMaxMasterThreads(threads);
            Nd4j.factory().blas().setMaxThreads(threads);
        }
        MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(configuration);
        Layer output = conf.getConf(conf.getConfs().size() - 1).getLayer();
        if (!(output instanceof BaseLayer outputLayer)) {
            throw new IllegalArgumentException("the network's last layer is a " + output.getClass().getSimpleName()
                    + ", not a layer with an activation");
        }
        IActivation activation = outputLayer.getActivationFn();
        outputLayer.setActivationFn(new ActivationIdentity());
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        // The parameters as the network's own array: no random initialization to overwrite.
        net.init(Nd4j.create(params, new long[]{1, params.length}, 'c'), false);
        return new Scorer(net, activation);
    }

    /**
     * {@code items} mapped {@code size} at a time by {@code score}, lazily and in order: how a
     * partition is scored, one {@code output()} call per batch.
     *
     * @param score maps a batch (never empty) to its results
     */
    public static <T, R> Iterator<R> inBatches(Iterator<T> items, int size, Function<List<T>, List<R>> score) {
        return new Iterator<>() {
            private Iterator<R> ready = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!ready.hasNext() && items.hasNext()) {
                    List<T> batch = new ArrayList<>(size);
                    while (items.hasNext() && batch.size() < size) {
                        batch.add(items.next());
                    }
                    ready = score.apply(batch).iterator();
                }
                return ready.hasNext();
            }

            @Override
            public R next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.next();
            }
        };
    }

    /**
     * What the network says of a minibatch, {@code classes} values per row, row after row.
     *
     * @param raw           the output layer's pre-activation (for a softmax layer the logits)
     * @param probabilities the output layer's activation of them (the class probabilities)
     */
    public record Scores(float[] raw, float[] probabilities) {
    }

    /** Scores minibatches with one network; not thread-safe. */
    public final class Scorer {
        /** The network up to the output layer's pre-activation (its activation is the identity). */
        private final MultiLayerNetwork network;
        /** The trained output layer's activation. */
        private final IActivation activation;

        private Scorer(MultiLayerNetwork network, IActivation activation) {
            this.network = network;
            this.activation = activation;
        }

        /** The class probabilities of each example, {@code classes} per row, row after row. */
        public float[] probabilities(List<Example> examples) {
            // The activation works in place on output()'s own array, as the trained network's layer does.
            return rows(activation.getActivation(preActivation(examples), false));
        }

        /** The raw scores and the class probabilities of each example, from one forward pass. */
        public Scores scores(List<Example> examples) {
            INDArray z = preActivation(examples);
            // A copy in z's own layout: the activation then computes exactly what it does on output()'s array.
            INDArray p = activation.getActivation(z.dup(z.ordering()), false);
            return new Scores(rows(z), rows(p));
        }

        private INDArray preActivation(List<Example> examples) {
            int n = examples.size();
            float[] x = new float[n * features];
            for (int i = 0; i < n; i++) {
                examples.get(i).copyTo(x, i * features, features);
            }
            if (scaler != null) {
                scaler.apply(x, n);
            }
            return network.output(Nd4j.create(x, new long[]{n, features}, DataType.FLOAT), false);
        }

        /** The values row after row (the weight-norm output layer gives an 'f'-ordered array). */
        private static float[] rows(INDArray out) {
            return out.castTo(DataType.FLOAT).dup('c').data().asFloat();
        }
    }
}
