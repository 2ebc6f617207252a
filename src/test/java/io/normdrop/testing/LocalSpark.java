package io.normdrop.testing;

import io.normdrop.config.SparkSettings;
import io.normdrop.job.SparkContexts;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.util.Map;

/**
 * The one local Spark context the integration tests share: local[2], bound to 127.0.0.1, no
 * UI, Normdrop's own Spark settings. Created on first use, stopped when the test run ends
 * (closed by JUnit's root store), whatever happened. Inject it as a test parameter.
 */
public final class LocalSpark implements ParameterResolver {
    private static final String KEY = "normdrop.localSpark";

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == JavaSparkContext.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(KEY, k -> new Running(start()), Running.class).sc;
    }

    private static JavaSparkContext start() {
        SparkConf conf = SparkContexts.conf(new SparkSettings(null, "normdrop-tests", Map.of(
                "spark.driver.host", "127.0.0.1",
                "spark.driver.bindAddress", "127.0.0.1",
                "spark.ui.enabled", "false")), "local[2]");
        return new JavaSparkContext(conf);
    }

    /** Stops the context when JUnit closes the root store. */
    private record Running(JavaSparkContext sc) implements AutoCloseable {
        @Override
        public void close() {
            sc.stop();
        }
    }
}
