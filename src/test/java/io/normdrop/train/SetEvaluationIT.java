package io.normdrop.train;

import io.normdrop.config.JobConfig;
import io.normdrop.config.JobFiles;
import io.normdrop.nn.NetworkFactory;
import io.normdrop.testing.LocalSpark;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The one-job evaluation of a set gives what dl4j-spark's {@code evaluate} and
 * {@code calculateScore(data, true)} give, for a network with dropout and L2 (inference mode,
 * regularization in the loss), over uneven minibatches in several partitions.
 */
@ExtendWith(LocalSpark.class)
class SetEvaluationIT {
    @Test
    void givesDl4jSparksAccuracyConfusionAndMeanLoss(JavaSparkContext sc) {
        JobConfig c = JobFiles.parse("""
                data { train { images = a, labels = b }, test { images = c, labels = d } }
                model.layers = [ { type = weightnorm-dense, units = 12, dropout.keep = 0.5 },
                                 { type = output, units = 4, dropout.keep = 0.7 } ]
                training { epochs = 1, l2 = 0.001 }
                output.dir = out
                """, List.of()).config();
        MultiLayerNetwork network = new MultiLayerNetwork(NetworkFactory.configuration(c.model(), c.training(), 6));
        network.init();
        Random random = new Random(5);
        List<DataSet> batches = new ArrayList<>();
        for (int b = 0; b < 9; b++) {
            int n = 5 + b * 3;
            float[][] x = new float[n][6];
            float[][] y = new float[n][4];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < 6; j++) {
                    x[i][j] = (float) random.nextGaussian();
                }
                y[i][random.nextInt(4)] = 1;
            }
            batches.add(new DataSet(Nd4j.create(x), Nd4j.create(y)));
        }
        JavaRDD<DataSet> data = sc.parallelize(batches, 3);
        SetEvaluation ours = SetEvaluation.of(sc, network, data, 4);
        SparkDl4jMultiLayer dl4j = new SparkDl4jMultiLayer(sc, network.clone(), null);
        Evaluation theirs = dl4j.evaluate(data);
        double theirLoss = new SparkDl4jMultiLayer(sc, network.clone(), null).calculateScore(data, true);
        assertEquals(theirs.accuracy(), ours.evaluation().accuracy(), 0);
        assertEquals(theirs.confusionMatrix(), ours.evaluation().confusionMatrix());
        assertEquals(theirLoss, ours.loss(), 1e-6);
    }
}
