package io.normdrop.testing;

import io.normdrop.config.SparkSettings;
import io.normdrop.job.SparkContexts;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one local Spark context the integration tests share: local[2], bound to 127.0.0.1, no
 * UI, Normdrop's own Spark settings. Created on first use, stopped when the test run ends
 * (closed by JUnit's root store), whatever happened. Inject it as a test parameter.
 *
 * <p>A test class that needs Spark settings of its own (dynamic allocation, say) names them with
 * {@link Settings}: its tests share a context with them, and the next class that wants other
 * settings gets a context of its own again. Spark allows one context per JVM, so the shared one
 * is stopped before another is started.
 */
public final class LocalSpark implements ParameterResolver {
    private static final String KEY = "normdrop.localSpark";

    /** Spark settings of a test class's context, each {@code key=value}, over the shared defaults. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    public @interface Settings {
        String[] value();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == JavaSparkContext.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Map<String, String> wanted = settings(context.getRequiredTestClass());
        ExtensionContext.Store store = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL);
        synchronized (LocalSpark.class) {
            Running running = store.get(KEY, Running.class);
            if (running != null && !running.settings().equals(wanted)) {
                store.remove(KEY, Running.class);
                running.close();
                running = null;
            }
            if (running == null) {
                running = new Running(start(wanted), wanted);
                store.put(KEY, running);
            }
            return running.sc();
        }
    }

    private static Map<String, String> settings(Class<?> testClass) {
        for (Class<?> c = testClass; c != null; c = c.getEnclosingClass()) {
            Settings settings = c.getAnnotation(Settings.class);
            if (settings != null) {
                Map<String, String> map = new TreeMap<>();
                Arrays.stream(settings.value()).forEach(s -> map.put(s.substring(0, s.indexOf('=')),
                        s.substring(s.indexOf('=') + 1)));
                return map;
            }
        }
        return Map.of();
    }

    private static JavaSparkContext start(Map<String, String> settings) {
        Map<String, String> conf = new HashMap<>(Map.of(
                "spark.driver.host", "127.0.0.1",
                "spark.driver.bindAddress", "127.0.0.1",
                "spark.ui.enabled", "false"));
        conf.putAll(settings);
        SparkConf sparkConf = SparkContexts.conf(new SparkSettings(null, "normdrop-tests", conf), "local[2]");
        return new JavaSparkContext(sparkConf);
    }

    /** Stops the context when JUnit closes the root store (or another class needs other settings). */
    private record Running(JavaSparkContext sc, Map<String, String> settings) implements AutoCloseable {
        @Override
        public void close() {
            sc.stop();
        }
    }
}
