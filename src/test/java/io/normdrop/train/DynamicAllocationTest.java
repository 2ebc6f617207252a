package io.normdrop.train;

import org.apache.spark.SparkConf;
import org.apache.spark.util.Utils;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DynamicAllocationTest {
    @Test
    void theRunningSparkHasItsPredicateAndTheSettingsRuleAgreesWithIt() {
        assertEquals(List.of(), SparkInternals.missing(DynamicAllocation.PREDICATE));
        int on = 0;
        for (String master : List.of("local[2]", "spark://h:7077", "yarn")) {
            for (String enabled : List.of("true", "false")) {
                for (String testing : List.of("true", "false")) {
                    SparkConf conf = new SparkConf(false).set("spark.master", master)
                            .set("spark.dynamicAllocation.enabled", enabled).set("spark.dynamicAllocation.testing", testing);
                    boolean spark = Utils.isDynamicAllocationEnabled(conf);
                    assertEquals(spark, DynamicAllocation.bySettings(conf), master + " " + enabled + " " + testing);
                    assertEquals(spark, DynamicAllocation.isOn(conf));
                    on += spark ? 1 : 0;
                }
            }
        }
        // The control: Spark's predicate says yes on a cluster and in local mode only when testing.
        assertEquals(5, on);
        assertFalse(DynamicAllocation.bySettings(new SparkConf(false).set("spark.master", "local[2]")
                .set("spark.dynamicAllocation.enabled", "true")));
        assertTrue(DynamicAllocation.bySettings(new SparkConf(false).set("spark.master", "yarn")
                .set("spark.dynamicAllocation.enabled", "true")));
    }
}
