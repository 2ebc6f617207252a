package io.normdrop.job;

import io.normdrop.config.DeploymentPolicy;
import io.normdrop.metrics.CodeVersion;
import io.normdrop.onnx.OnnxExport;
import io.normdrop.score.TrainedModel;
import io.normdrop.store.HadoopFiles;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code normdrop export MODEL --format onnx --out FILE}: writes a trained model for other runtimes. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write a trained model as ONNX (opset " + OnnxExport.OPSET + ") for ONNX Runtime and other servers.",
                "Input '" + OnnxExport.INPUT + "' [batch, features]: rows as they are in the data files (IDX: pixels",
                "0..255); the model's scaling and image reshape are in the graph. Output '" + OnnxExport.OUTPUT + "'",
                "[batch, classes]. Metadata: class names, run id, config and data digests. No Spark needed.",
                "A layer or activation ONNX's standard operators cannot express is refused by name (exit 65)."})
final class ExportCommand implements Callable<Integer> {
    /** The formats {@code --format} takes. */
    enum Format { ONNX }

    @Parameters(index = "0", paramLabel = "MODEL",
            description = "A run directory, OUTPUT_DIR/published, or a model file (any Hadoop path).")
    String model;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "onnx",
            description = "Model format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The file to write; any Hadoop path.")
    String out;

    @Option(names = "--overwrite", description = "Replace the file if it exists.")
    boolean overwrite;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        DeploymentPolicy policy = DeploymentPolicy.current();
        policy.requireReadable("MODEL", model);
        policy.requireOutput("--out", out);
        Configuration hadoop = new Configuration();
        TrainedModel trained = TrainedModel.load(model, false, hadoop);
        OnnxExport.Input input = trained.job() == null ? OnnxExport.Input.of(null, trained.scaler())
                : OnnxExport.Input.of(trained.job().config().data().format(), trained.scaler());
        TrainedModel.Run run = trained.run();
        byte[] onnx = OnnxExport.toBytes(trained.network(), input, OnnxExport.metadata(trained.classNames(), run.id(),
                run.configDigest(), run.dataDigest(), input), CodeVersion.current().toString());
        HadoopFiles.writeAtomically(out, onnx, overwrite, hadoop);
        spec.commandLine().getOut().printf(Locale.ROOT, "normdrop: wrote %s (%s, opset %d, %,d bytes): %s [batch, %d] -> %s "
                        + "[batch, %d], from %s%n", out, format.name().toLowerCase(Locale.ROOT), OnnxExport.OPSET, onnx.length,
                OnnxExport.INPUT, trained.features(), OnnxExport.OUTPUT, trained.classes(), trained.file());
        return ExitCode.OK.code();
    }
}
