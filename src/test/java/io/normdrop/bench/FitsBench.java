package io.normdrop.bench;

import io.normdrop.config.SparkSettings;
import io.normdrop.job.SparkContexts;
import io.normdrop.ml.NormdropClassifier;
import io.normdrop.train.ResidentPools;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.JMException;
import javax.management.ObjectName;

/**
 * {@code deploy/bench.sh fits}: twenty fits of {@link NormdropClassifier} in one JVM, as a
 * CrossValidator grid runs them (5 learning rates × 4 folds, then the refit of the best on all
 * rows), on Spark local[2] with 2,000 synthetic rows of 784 features in 10 classes and the
 * estimator's default network (weight-normalized 256-128, Adam) and master (allreduce), 2 epochs a
 * fit. After every fit (a probe stage behind the classifier in the pipeline), after a full GC
 * given time to let ND4J's deallocator run: the process's resident memory (VmRSS), the part of
 * it in the Java heap, the native rest (see {@link Sample}) before and after the C heap gave its
 * free memory back to the OS, the heap in use, JavaCPP's and ND4J's own allocation counts, and the
 * runs and networks the executor (this JVM) holds and has built. Writes {@code fits.csv} beside
 * bench.md.
 */
final class FitsBench {
    static final int FEATURES = 784;
    static final int CLASSES = 10;
    static final int ROWS = 2000;

    private FitsBench() {
    }

    /**
     * Memory after one fit; {@code fit} 0 is before the first.
     *
     * @param javacppBytes       JavaCPP's count of what it allocated ({@code Pointer.totalBytes})
     * @param physicalBytes      the process's physical memory as JavaCPP reads it
     * @param vmRssBytes         VmRSS of /proc/self/status
     * @param heapUsedBytes      the JVM heap in use
     * @param heapResidentBytes  the part of VmRSS in the Java heap's address range (/proc/self/smaps)
     * @param nonHeapBytes       the JVM's committed non-heap memory (metaspace, code cache)
     * @param nativeBytes        the rest of VmRSS: ND4J's buffers (libnd4j allocates them where JavaCPP's
     *                           counter does not see them), thread stacks, the C heap's free memory
     * @param nativeTrimmedBytes the same after the C heap gave its free memory back to the OS (glibc's
     *                           malloc_trim, {@code jcmd PID System.trim_native_heap}): native memory in use
     * @param nd4jAllocatedBytes ND4J's own allocation count ({@code MemoryManager.allocatedMemory})
     * @param heldRuns           training runs whose networks or updater states this JVM holds
     * @param networksBuilt      worker networks this JVM has built
     */
    record Sample(int fit, long javacppBytes, long physicalBytes, long vmRssBytes, long heapUsedBytes,
                  long heapResidentBytes, long nonHeapBytes, long nativeBytes, long nativeTrimmedBytes,
                  long nd4jAllocatedBytes, int heldRuns, long networksBuilt) {
        static String header() {
            return "fit,javacpp_total_bytes,javacpp_physical_bytes,vm_rss_bytes,heap_used_bytes,heap_resident_bytes,"
                    + "non_heap_committed_bytes,native_bytes,native_trimmed_bytes,nd4j_allocated_bytes,held_runs,"
                    + "networks_built";
        }

        String csv() {
            return fit + "," + javacppBytes + "," + physicalBytes + "," + vmRssBytes + "," + heapUsedBytes + ","
                    + heapResidentBytes + "," + nonHeapBytes + "," + nativeBytes + "," + nativeTrimmedBytes + ","
                    + nd4jAllocatedBytes + "," + heldRuns + "," + networksBuilt;
        }
    }

    static void twentyFits(Map<String, Object> results, StringBuilder md, Path out) throws Exception {
        List<Sample> samples = new ArrayList<>();
        int epochs = Integer.getInteger("bench.epochs", 2);
        try (JavaSparkContext sc = new JavaSparkContext(SparkContexts.conf(new SparkSettings(null, "normdrop-bench",
                Map.of("spark.ui.enabled", "false", "spark.driver.host", "127.0.0.1",
                        "spark.driver.bindAddress", "127.0.0.1")), "local[2]"))) {
            Dataset<Row> data = data(sc).cache();
            data.count();
            samples.add(sample(0));
            NormdropClassifier classifier = new NormdropClassifier().setEpochs(epochs).setSeed(7);
            ParamMap[] grid = new ParamGridBuilder()
                    .addGrid(classifier.learningRate(), new double[]{3e-4, 1e-3, 3e-3, 1e-2, 3e-2}).build();
            long start = System.nanoTime();
            CrossValidatorModel cv = new CrossValidator()
                    .setEstimator(new Pipeline().setStages(new PipelineStage[]{classifier, new MemoryProbe(samples)}))
                    .setEstimatorParamMaps(grid)
                    .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy"))
                    .setNumFolds(4)
                    .setSeed(5)
                    .fit(data);
            double seconds = (System.nanoTime() - start) / 1e9;
            Files.writeString(out.resolve("fits.csv"), Sample.header() + "\n"
                    + String.join("\n", samples.stream().map(Sample::csv).toList()) + "\n");
            Sample first = samples.get(1);
            Sample twentieth = samples.get(20);
            Sample last = samples.get(samples.size() - 1);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("fits", samples.size() - 1);
            r.put("seconds", seconds);
            r.put("bestAccuracy", max(cv.avgMetrics()));
            r.put("samples", samples);
            results.put("twentyFits", r);
            md.append("## Twenty fits in one JVM (a CrossValidator grid)\n\n")
                    .append(String.format(Locale.ROOT, "NormdropClassifier's defaults (weight-normalized 256-128, Adam, "
                            + "allreduce), %d epochs a fit, %,d synthetic rows × %d features, %d classes, Spark local[2]; "
                            + "5 learning rates × 4 folds, then the refit of the best: %d fits in %.0f s (best mean fold "
                            + "accuracy %.4f). After each fit, a full GC:%n%n", epochs, ROWS, FEATURES, CLASSES,
                            samples.size() - 1, seconds, max(cv.avgMetrics())))
                    .append("| after fit | VmRSS | Java heap resident | native (VmRSS less heap and non-heap) | native "
                            + "in use (C heap trimmed) | heap used | JavaCPP native | runs held | networks built |\n"
                            + "|---|---|---|---|---|---|---|---|---|\n");
            for (Sample s : List.of(samples.get(0), first, samples.get(2), samples.get(10), twentieth, last)) {
                md.append(String.format(Locale.ROOT, "| %d | %.1f MiB | %.1f MiB | %.1f MiB | %.1f MiB | %.1f MiB | %d B "
                                + "| %d | %d |%n", s.fit(), mib(s.vmRssBytes()), mib(s.heapResidentBytes()),
                        mib(s.nativeBytes()), mib(s.nativeTrimmedBytes()), mib(s.heapUsedBytes()), s.javacppBytes(),
                        s.heldRuns(), s.networksBuilt()));
            }
            md.append(String.format(Locale.ROOT, "%nFrom fit 1 to fit 20: VmRSS %+.1f MiB, native %+.1f MiB (in use: %+.1f"
                            + " MiB), heap used %+.1f MiB, JavaCPP native %+d B (every sample in %s).%n%n",
                    mib(twentieth.vmRssBytes() - first.vmRssBytes()),
                    mib(twentieth.nativeBytes() - first.nativeBytes()),
                    mib(twentieth.nativeTrimmedBytes() - first.nativeTrimmedBytes()),
                    mib(twentieth.heapUsedBytes() - first.heapUsedBytes()),
                    twentieth.javacppBytes() - first.javacppBytes(), out.resolve("fits.csv")));
        }
    }

    private static double max(double[] values) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            m = Math.max(m, v);
        }
        return m;
    }

    private static double mib(long bytes) {
        return bytes / 1048576.0;
    }

    /** {@value #ROWS} rows, one Gaussian blob per class in {@value #FEATURES} features (seeded). */
    static Dataset<Row> data(JavaSparkContext sc) {
        Random random = new Random(1);
        double[][] centre = new double[CLASSES][FEATURES];
        for (double[] c : centre) {
            for (int j = 0; j < FEATURES; j++) {
                c[j] = 0.3 * random.nextGaussian();
            }
        }
        List<Row> rows = new ArrayList<>(ROWS);
        for (int i = 0; i < ROWS; i++) {
            int label = random.nextInt(CLASSES);
            double[] x = new double[FEATURES];
            for (int j = 0; j < FEATURES; j++) {
                x[j] = centre[label][j] + random.nextGaussian();
            }
            rows.add(RowFactory.create(Vectors.dense(x), label));
        }
        StructType schema = new StructType().add("features", new VectorUDT(), false)
                .add("label", DataTypes.IntegerType, false);
        return SparkSession.builder().sparkContext(sc.sc()).getOrCreate().createDataFrame(rows, schema).repartition(2);
    }

    /** Memory now, after a full GC and time for ND4J's deallocator thread to free what the GC found. */
    static Sample sample(int fit) throws InterruptedException, IOException {
        for (int i = 0; i < 2; i++) {
            System.gc();
            Thread.sleep(1000);
        }
        MemoryMXBean jvm = ManagementFactory.getMemoryMXBean();
        long nonHeap = jvm.getNonHeapMemoryUsage().getCommitted();
        long[] heap = heapRange();
        long physical = Pointer.physicalBytes();
        long rss = vmRss();
        long heapResident = residentIn(heap[0], heap[1]);
        trimNativeHeap();
        long trimmed = vmRss() - residentIn(heap[0], heap[1]) - nonHeap;
        return new Sample(fit, Pointer.totalBytes(), physical, rss, jvm.getHeapMemoryUsage().getUsed(), heapResident,
                nonHeap, rss - heapResident - nonHeap, trimmed, Nd4j.getMemoryManager().allocatedMemory(0),
                ResidentPools.heldRuns(), ResidentPools.networksBuilt());
    }

    /** The Java heap's address range, [from, to), as the GC reports it ({@code jcmd PID GC.heap_info}). */
    static long[] heapRange() {
        String info = diagnosticCommand("gcHeapInfo");
        Matcher m = Pattern.compile("\\[0x([0-9a-f]+), 0x([0-9a-f]+)\\)").matcher(info);
        if (!m.find()) {
            throw new IllegalStateException("no heap range in GC.heap_info: " + info);
        }
        return new long[]{Long.parseUnsignedLong(m.group(1), 16), Long.parseUnsignedLong(m.group(2), 16)};
    }

    /** Resident bytes of the mappings inside [from, to), from /proc/self/smaps. */
    static long residentIn(long from, long to) throws IOException {
        long bytes = 0;
        boolean inside = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            int dash = line.indexOf('-');
            int space = line.indexOf(' ');
            if (dash > 0 && space > dash && line.substring(0, dash).matches("[0-9a-f]+")) {
                long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
                inside = start >= from && start < to;
            } else if (inside && line.startsWith("Rss:")) {
                bytes += Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return bytes;
    }

    static String diagnosticCommand(String operation) {
        try {
            return String.valueOf(ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), operation, new Object[]{new String[0]},
                    new String[]{String[].class.getName()}));
        } catch (JMException e) {
            throw new IllegalStateException(operation, e);
        }
    }

    /**
     * Has the C heap give its free memory back to the OS ({@code jcmd PID System.trim_native_heap},
     * glibc's malloc_trim): freed ND4J buffers stay in the process's resident memory until then.
     */
    static void trimNativeHeap() {
        diagnosticCommand("systemTrimNativeHeap");
    }

    /** VmRSS of /proc/self/status, in bytes. */
    static long vmRss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    /**
     * A pipeline stage behind the classifier: fitting a pipeline fits the classifier, then this,
     * which samples memory. Its copies are itself, so that every fold's pipeline records here.
     */
    static final class MemoryProbe extends Estimator<MemoryProbe.Passed> {
        private static final long serialVersionUID = 1L;
        private final String uid = Identifiable$.MODULE$.randomUID("memoryProbe");
        private final transient List<Sample> samples;

        MemoryProbe(List<Sample> samples) {
            this.samples = samples;
        }

        @Override
        public String uid() {
            return uid;
        }

        @Override
        public Passed fit(Dataset<?> dataset) {
            try {
                samples.add(sample(samples.size()));
            } catch (InterruptedException | IOException e) {
                throw new IllegalStateException(e);
            }
            return new Passed(uid);
        }

        @Override
        public MemoryProbe copy(ParamMap extra) {
            return this;
        }

        @Override
        public StructType transformSchema(StructType schema) {
            return schema;
        }

        /** Passes the rows on unchanged. */
        static final class Passed extends Model<Passed> {
            private static final long serialVersionUID = 1L;
            private final String uid;

            Passed(String uid) {
                this.uid = uid;
            }

            @Override
            public String uid() {
                return uid;
            }

            @Override
            public Dataset<Row> transform(Dataset<?> dataset) {
                return dataset.toDF();
            }

            @Override
            public StructType transformSchema(StructType schema) {
                return schema;
            }

            @Override
            public Passed copy(ParamMap extra) {
                return new Passed(uid);
            }
        }
    }
}
