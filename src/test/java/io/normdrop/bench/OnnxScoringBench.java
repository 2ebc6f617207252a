package io.normdrop.bench;

import io.normdrop.config.JobFiles;
import io.normdrop.data.IdxReader;
import io.normdrop.data.LabeledImages;
import io.normdrop.metrics.CodeVersion;
import io.normdrop.onnx.OnnxExport;
import io.normdrop.onnx.OnnxRuntimeScorer;
import io.normdrop.score.TrainedModel;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Serving in one JVM, {@code deploy/bench.sh onnx} (and part of {@code scoring}): the trained
 * model's ONNX export in ONNX Runtime (its Java API, CPU provider, one session, intra-op threads
 * = the cores) beside DL4J's {@code output()} on the same network (ND4J's threads = the cores),
 * on the Fashion-MNIST test set materialized in memory on both sides: ONNX Runtime gets the raw
 * pixel values and divides and scales them in its graph; DL4J gets rows already divided and
 * scaled, untimed (what Normdrop's scoring does before output()). Batches of 1,024 over all rows
 * and single rows (a service answering one request at a time) over the first 2,000, each
 * variant warmed up once, then timed three times interleaved (A B C D D C B A A B C D). Both
 * sides' predicted classes are compared row by row.
 */
final class OnnxScoringBench {
    private static final int BATCH = 1024;
    private static final int SINGLE_ROWS = 2000;

    private OnnxScoringBench() {
    }

    static void compare(Map<String, Object> results, StringBuilder md, Path model) throws Exception {
        TrainedModel trained = TrainedModel.load(model.toString(), false, new Configuration());
        LabeledImages test = new IdxReader(new Configuration()).read(
                JobFiles.of(trained.job().resolved(), "bench", List.of()).config().data().test(), trained.classes());
        int n = test.count();
        int f = test.features();
        float[] raw = new float[n * f];
        float[] prepared = new float[n * f];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = test.pixels()[i] & 0xFF;
            prepared[i] = raw[i] / 255f;
        }
        if (trained.scaler() != null) {
            trained.scaler().apply(prepared, n);
        }
        OnnxExport.Input input = OnnxExport.Input.of(trained.job().config().data().format(), trained.scaler());
        byte[] onnx = OnnxExport.toBytes(trained.network(), input, Map.of(), CodeVersion.current().toString());
        int threads = Runtime.getRuntime().availableProcessors();
        MultiLayerNetwork net = trained.network();
        try (OnnxRuntimeScorer ort = new OnnxRuntimeScorer(onnx, threads)) {
            float[] dl4jAll = dl4j(net, prepared, n, f, BATCH);
            float[] ortAll = ort(ort, raw, n, f, BATCH);
            int classes = dl4jAll.length / n;
            int agree = 0;
            double worst = 0;
            for (int r = 0; r < n; r++) {
                agree += argmax(dl4jAll, r, classes) == argmax(ortAll, r, classes) ? 1 : 0;
                for (int k = 0; k < classes; k++) {
                    worst = Math.max(worst, Math.abs(dl4jAll[r * classes + k] - ortAll[r * classes + k]));
                }
            }
            Map<String, Variant> variants = new LinkedHashMap<>();
            variants.put("(j) DL4J MultiLayerNetwork.output, batches of 1,024", new Variant(n, () -> dl4j(net, prepared, n, f, BATCH)));
            variants.put("(o) ONNX Runtime 1.20.0 session.run, batches of 1,024", new Variant(n, () -> ort(ort, raw, n, f, BATCH)));
            variants.put("(j1) DL4J output, one row at a time", new Variant(SINGLE_ROWS, () -> dl4j(net, prepared, SINGLE_ROWS, f, 1)));
            variants.put("(o1) ONNX Runtime, one row at a time", new Variant(SINGLE_ROWS, () -> ort(ort, raw, SINGLE_ROWS, f, 1)));
            Map<String, List<Double>> seconds = new LinkedHashMap<>();
            for (Map.Entry<String, Variant> v : variants.entrySet()) {
                v.getValue().run.call();
                seconds.put(v.getKey(), new ArrayList<>());
            }
            List<String> order = new ArrayList<>(variants.keySet());
            List<String> backwards = new ArrayList<>(order);
            Collections.reverse(backwards);
            List<String> interleaved = new ArrayList<>(order);
            interleaved.addAll(backwards);
            interleaved.addAll(order);
            for (String k : interleaved) {
                long t0 = System.nanoTime();
                variants.get(k).run.call();
                seconds.get(k).add((System.nanoTime() - t0) / 1e9);
            }
            Map<String, Double> rate = new LinkedHashMap<>();
            seconds.forEach((k, s) -> rate.put(k, variants.get(k).rows / Benchmarks.median(s)));
            md.append(String.format(Locale.ROOT, "## Serving in one JVM: ONNX Runtime vs DL4J output() (%,d test rows, %d threads "
                    + "each)%n%n", n, threads));
            md.append(String.format(Locale.ROOT, "Same class on %,d of %,d rows; largest probability difference %.1e.%n%n",
                    agree, n, worst));
            md.append("| variant | rows/s (median of 3) | ONNX Runtime / DL4J |\n|---|---|---|\n");
            Map<String, Object> json = new LinkedHashMap<>();
            for (int i = 0; i < order.size(); i++) {
                String k = order.get(i);
                double r = rate.get(k);
                double dl4j = rate.get(order.get(i - i % 2));
                md.append(String.format(Locale.ROOT, "| %s | %,.0f | %s |%n", k, r, i % 2 == 1 ? String.format(Locale.ROOT,
                        "%.2f", r / dl4j) : ""));
                json.put(k, Map.of("seconds", seconds.get(k), "rowsPerSecond", r));
            }
            md.append('\n');
            json.put("sameClassRows", agree);
            json.put("largestProbabilityDifference", worst);
            results.put("onnxRuntimeVsDl4j", json);
        }
    }

    private record Variant(int rows, java.util.concurrent.Callable<float[]> run) {
    }

    private static float[] dl4j(MultiLayerNetwork net, float[] x, int n, int f, int batch) {
        int classes = (int) net.layerSize(net.getnLayers() - 1);
        float[] out = new float[n * classes];
        for (int start = 0; start < n; start += batch) {
            int rows = Math.min(batch, n - start);
            float[] p = net.output(Nd4j.create(java.util.Arrays.copyOfRange(x, start * f, (start + rows) * f),
                    new long[]{rows, f}, DataType.FLOAT), false).castTo(DataType.FLOAT).dup('c').data().asFloat();
            System.arraycopy(p, 0, out, start * classes, p.length);
        }
        return out;
    }

    private static float[] ort(OnnxRuntimeScorer ort, float[] x, int n, int f, int batch) throws Exception {
        float[] out = null;
        for (int start = 0; start < n; start += batch) {
            int rows = Math.min(batch, n - start);
            float[] p = ort.probabilities(java.util.Arrays.copyOfRange(x, start * f, (start + rows) * f), rows, f);
            if (out == null) {
                out = new float[n * (p.length / rows)];
            }
            System.arraycopy(p, 0, out, start * (p.length / rows), p.length);
        }
        return out;
    }

    private static int argmax(float[] p, int row, int classes) {
        int best = 0;
        for (int k = 1; k < classes; k++) {
            best = p[row * classes + k] > p[row * classes + best] ? k : best;
        }
        return best;
    }
}
