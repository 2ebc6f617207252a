package io.normdrop.bench;

import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a training step's time goes: Java Flight Recorder's samples of the training thread over
 * a run of steps (the native-method samples are the ND4J and BLAS calls, the execution samples
 * the Java in between), each counted in the kind of work of its innermost recognised frame.
 */
final class StepProfile {
    /** Kinds of work, in report order, each with the frames (class.method prefixes) that mark it. */
    static final Map<String, List<String>> KINDS = new LinkedHashMap<>();

    static {
        KINDS.put("im2col (building the column matrix)", List.of("org.nd4j.linalg.convolution.Convolution.im2col",
                "io.normdrop.nn.PaddedGridConvolution.copyShiftedRows"));
        KINDS.put("col2im (summing column gradients)", List.of("org.nd4j.linalg.convolution.Convolution.col2im",
                "io.normdrop.nn.PaddedGridConvolution.inputGradFromColumns"));
        KINDS.put("gemm", List.of("org.nd4j.linalg.factory.Nd4j.gemm", "org.nd4j.linalg.api.blas.impl.BaseLevel3.gemm",
                "org.nd4j.linalg.api.ndarray.BaseNDArray.mmul"));
        KINDS.put("pooling", List.of("org.deeplearning4j.nn.layers.convolution.subsampling."));
        KINDS.put("activation", List.of("org.nd4j.linalg.activations."));
        KINDS.put("output layer and loss", List.of("org.nd4j.linalg.lossfunctions.", "org.deeplearning4j.nn.layers.BaseOutputLayer"));
        KINDS.put("updater (Adam)", List.of("org.nd4j.linalg.learning.", "org.deeplearning4j.nn.updater."));
        KINDS.put("weight norm (g/‖v‖ and its chain rule)", List.of("io.normdrop.nn.WeightNorm.",
                "io.normdrop.nn.WeightNormConv2DLayer.normalizationGradients"));
        KINDS.put("layout copies (padding, permutes, extraction)", List.of("org.nd4j.linalg.api.ndarray.BaseNDArray.assign",
                "org.nd4j.linalg.api.ndarray.BaseNDArray.dup", "io.normdrop.nn.PaddedGridConvolution.",
                "io.normdrop.nn.WeightNormConv2DLayer.keepPreActivations"));
    }

    static final String OTHER = "other (DL4J's bookkeeping, workspaces, allocation)";

    private StepProfile() {
    }

    /** The share of the training thread's samples of each kind (and OTHER) over {@code steps} steps after 30 warm-up steps. */
    static Map<String, Double> shares(MultiLayerNetwork net, DataSet batch, int steps) throws Exception {
        for (int i = 0; i < 30; i++) {
            net.fit(batch);
        }
        Path file = Files.createTempFile("normdrop-step", ".jfr");
        try {
            try (Recording recording = new Recording(Configuration.getConfiguration("profile"))) {
                recording.start();
                for (int i = 0; i < steps; i++) {
                    net.fit(batch);
                }
                recording.stop();
                recording.dump(file);
            }
            Map<String, Integer> counts = new LinkedHashMap<>();
            KINDS.keySet().forEach(k -> counts.put(k, 0));
            counts.put(OTHER, 0);
            long thread = Thread.currentThread().getId();
            int total = 0;
            for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
                String type = e.getEventType().getName();
                if (!(type.equals("jdk.ExecutionSample") || type.equals("jdk.NativeMethodSample"))
                        || e.getThread("sampledThread") == null || e.getThread("sampledThread").getJavaThreadId() != thread
                        || e.getStackTrace() == null) {
                    continue;
                }
                counts.merge(kind(e.getStackTrace().getFrames()), 1, Integer::sum);
                total++;
            }
            Map<String, Double> shares = new LinkedHashMap<>();
            for (Map.Entry<String, Integer> c : counts.entrySet()) {
                shares.put(c.getKey(), total == 0 ? 0 : (double) c.getValue() / total);
            }
            shares.put("samples", (double) total);
            return shares;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static String kind(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            String name = f.getMethod().getType().getName() + "." + f.getMethod().getName();
            for (Map.Entry<String, List<String>> k : KINDS.entrySet()) {
                for (String prefix : k.getValue()) {
                    if (name.startsWith(prefix)) {
                        return k.getKey();
                    }
                }
            }
        }
        return OTHER;
    }
}
