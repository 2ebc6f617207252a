package io.normdrop.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.util.Collections;
import java.util.List;

/**
 * A network's evaluation and mean loss on a set of minibatches in one Spark job: the
 * configuration and parameters broadcast once (as JSON and floats), a network built once per
 * task, every minibatch's output evaluated and its loss taken, in inference mode (no dropout).
 * What dl4j-spark's {@code evaluate} and {@code calculateScore(data, true)} give, in one job and
 * one broadcast instead of two of each, so that a validation set costs an epoch one pass more,
 * not two jobs more.
 *
 * @param evaluation the classification results (DL4J's Evaluation)
 * @param loss       the mean loss per example (the loss function's score, regularization included,
 *                   as DL4J's {@code score(DataSet)} computes it)
 */
record SetEvaluation(Evaluation evaluation, double loss) {
    /** What one task found: its evaluation, the sum of its examples' losses and how many there were; a class (Kryo). */
    private static final class Part implements Serializable {
        private static final long serialVersionUID = 1L;
        final Evaluation evaluation;
        final double lossSum;
        final long examples;

        Part(Evaluation evaluation, double lossSum, long examples) {
            this.evaluation = evaluation;
            this.lossSum = lossSum;
            this.examples = examples;
        }
    }

    /** What the tasks get; a class (Kryo cannot build records). */
    private static final class Shipped implements Serializable {
        private static final long serialVersionUID = 1L;
        final String configuration;
        final float[] params;

        Shipped(String configuration, float[] params) {
            this.configuration = configuration;
            this.params = params;
        }
    }

    static SetEvaluation of(JavaSparkContext sc, MultiLayerNetwork network, JavaRDD<DataSet> data, int classes) {
        Broadcast<Shipped> shipped = sc.broadcast(new Shipped(network.getLayerWiseConfigurations().toJson(),
                network.params().castTo(DataType.FLOAT).toFloatVector()));
        try {
            List<Part> parts = data.mapPartitions(it -> {
                if (!it.hasNext()) {
                    return Collections.emptyIterator();
                }
                Shipped s = shipped.value();
                MultiLayerNetwork net = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(s.configuration));
                // init() then the parameters, as dl4j-spark's scoring does: init() draws from (and seeds) this
                // thread's random stream, which in local mode the next epoch's dropout masks draw from, so
                // runs train exactly as they did when their sets were evaluated by dl4j-spark.
                net.init();
                net.setParams(Nd4j.create(s.params, new long[]{1, s.params.length}, 'c'));
                Evaluation e = new Evaluation(classes);
                double sum = 0;
                long n = 0;
                while (it.hasNext()) {
                    DataSet ds = it.next();
                    e.eval(ds.getLabels(), net.output(ds.getFeatures(), false));
                    sum += net.score(ds, false) * ds.numExamples();
                    n += ds.numExamples();
                }
                return List.of(new Part(e, sum, n)).iterator();
            }).collect();
            Evaluation all = new Evaluation(classes);
            double sum = 0;
            long n = 0;
            for (Part p : parts) {
                all.merge(p.evaluation);
                sum += p.lossSum;
                n += p.examples;
            }
            return new SetEvaluation(all, n == 0 ? Double.NaN : sum / n);
        } finally {
            shipped.destroy();
        }
    }
}
