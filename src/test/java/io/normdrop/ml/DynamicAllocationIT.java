package io.normdrop.ml;

import io.normdrop.config.ConfigException;
import io.normdrop.testing.LocalSpark;
import io.normdrop.train.DynamicAllocation;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import scala.collection.Iterator;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The estimator on a Spark context with dynamic allocation on, where Spark refuses barrier stages
 * (in local mode Spark counts dynamic allocation as on only with spark.dynamicAllocation.testing
 * too): left at its default master, it trains with the resident one; asked for allreduce, it
 * refuses in one line that names the param to set and the masters that work.
 */
@ExtendWith(LocalSpark.class)
@LocalSpark.Settings({"spark.dynamicAllocation.enabled=true", "spark.dynamicAllocation.testing=true"})
class DynamicAllocationIT {
    /** A barrier stage's identity function (a Scala function, as RDDBarrier takes). */
    private static final class Identity extends AbstractFunction1<Iterator<Integer>, Iterator<Integer>>
            implements Serializable {
        @Override
        public Iterator<Integer> apply(Iterator<Integer> rows) {
            return rows;
        }
    }

    /** The check is Spark's own: on this context Spark itself refuses a barrier stage, and only here. */
    @Test
    void sparkItselfRefusesABarrierStageHereAndTheCheckAgrees(JavaSparkContext sc) {
        SparkException refused = assertThrows(SparkException.class, () -> sc.parallelize(List.of(1, 2), 2).rdd()
                .barrier().mapPartitions(new Identity(), false, ClassTag$.MODULE$.apply(Integer.class)).count());
        assertTrue(refused.getMessage().contains("dynamic resource allocation"), refused.getMessage());
        assertTrue(DynamicAllocation.isOn(sc.getConf()));

        SparkConf local = new SparkConf(false).setMaster("local[2]").set("spark.dynamicAllocation.enabled", "true");
        assertFalse(DynamicAllocation.isOn(local), "local mode without spark.dynamicAllocation.testing: off, as for Spark");
        assertTrue(DynamicAllocation.isOn(local.clone().setMaster("spark://127.0.0.1:7077")), "on a cluster: on");
    }

    @Test
    void theDefaultMasterGivesWayToTheResidentMaster(JavaSparkContext sc) {
        Dataset<Row> data = NormdropClassifierIT.assembled(sc, 900, 61);
        NormdropClassificationModel model = NormdropClassifierIT.small().fit(data);
        double accuracy = NormdropClassifierIT.accuracy(model.transform(data));
        assertTrue(accuracy > 0.85, "accuracy " + accuracy);
        assertTrue(model.trainingJob().replace(" ", "").contains("master=resident"),
                "the model's job says which master trained it: " + model.trainingJob());
    }

    @Test
    void anAllreduceMasterAskedForIsRefusedNamingTheParamToSet(JavaSparkContext sc) {
        Dataset<Row> data = NormdropClassifierIT.assembled(sc, 90, 62);
        ConfigException e = assertThrows(ConfigException.class,
                () -> NormdropClassifierIT.small().setJob("training.master = allreduce").fit(data));
        String message = e.getMessage();
        assertEquals(1, message.lines().count(), message);
        assertTrue(message.startsWith("training.master: is allreduce, but Spark runs no barrier stage"), message);
        assertTrue(message.contains("spark.dynamicAllocation.enabled"), message);
        assertTrue(message.contains("set training.master = resident or parameter-averaging in param job"), message);

        NormdropClassificationModel resident = NormdropClassifierIT.small().setEpochs(1)
                .setJob("training.master = resident").fit(data);
        assertEquals(3, resident.numClasses(), "resident, asked for, trains here");
    }
}
