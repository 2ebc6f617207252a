package io.normdrop.job;

import io.normdrop.config.ConfigException;
import io.normdrop.data.DataException;
import io.normdrop.data.MissingInputException;
import io.normdrop.metrics.CodeVersion;
import io.normdrop.store.OutputExistsException;
import io.normdrop.store.QualityGateException;
import io.normdrop.store.RunInProgressException;
import io.normdrop.train.TrainingDivergedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code normdrop} command line. {@code main} parses and dispatches; each subcommand
 * validates its job and calls into the job code. Failures become one line on stderr and a
 * documented {@link ExitCode}; the stack trace goes to the log.
 */
@Command(name = "normdrop",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        exitCodeOnInvalidInput = 64,
        exitCodeOnExecutionException = 70,
        subcommands = {TrainCommand.class, PredictCommand.class, ExportCommand.class, ValidateCommand.class, SweepCommand.class, CompareCommand.class, GenerateCommand.class,
                KeysCommand.class,
                CommandLine.HelpCommand.class},
        description = {
                "Distributed training of dropout and weight-normalized networks on Spark.",
                "",
                "Run a job:       normdrop train jobs/quickstart.conf",
                "Check a job:     normdrop validate jobs/fashion-mnist.conf",
                "Score data:      normdrop predict runs/quickstart --out runs/quickstart-predictions",
                "Export as ONNX:  normdrop export runs/quickstart --format onnx --out model.onnx",
                "Locally, deploy/local.sh adds Spark and the JVM flags; on a cluster use spark-submit.",
                ""},
        footerHeading = "%nExit codes:%n",
        footer = {
                "  0   success",
                "  64  bad command line or job file (unknown key, bad value)",
                "  65  bad input data (unparsable or bad records, wrong magic number, truncated, corrupt gzip, empty)",
                "  66  an input file is missing or cannot be opened",
                "  69  the Spark master did not accept the application or stopped it (secret? master up?)",
                "  70  internal failure (the log has the stack trace)",
                "  73  the output directory exists (use --overwrite)",
                "  75  another run is writing the same output directory (try again later)",
                "  80  training diverged (NaN or infinite loss); the last checkpoint is kept for --resume",
                "  81  the run failed its quality gate (quality.*): kept, not published"})
public final class Main {
    /** Failure stack traces are logged here; conf/log4j2.properties sends this logger to the log file only. */
    static final Logger FAILURES = LoggerFactory.getLogger("normdrop.failures");

    public static void main(String[] args) {
        int code = execute(args, System.out, System.err);
        if (System.getProperty("spark.yarn.app.id") != null) {
            // The driver runs inside YARN's application master (cluster mode), which reports the
            // application SUCCEEDED when main returns and FAILED when it throws; a System.exit there,
            // even exit 0, is reported as a failure ("Shutdown hook called before final status was reported").
            if (code != 0) {
                throw new IllegalStateException("normdrop exited with code " + code + " (its lines above say why)");
            }
            return;
        }
        System.exit(code);
    }

    /** Runs the command line and returns its exit code, writing to the given streams. */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        // Bad options are usage errors in every subcommand, not picocli's default 2.
        CommandLine.IParameterExceptionHandler usage = cli.getParameterExceptionHandler();
        cli.setParameterExceptionHandler((e, rest) -> {
            usage.handleParseException(e, rest);
            return ExitCode.USAGE.code();
        });
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            ExitCode code = exitCode(e);
            FAILURES.error("normdrop failed with exit code {}", code.code(), e);
            errorLines(e).forEach(commandLine.getErr()::println);
            return code.code();
        });
        return cli.execute(args);
    }

    /**
     * What a failure prints on stderr, each line starting with {@code normdrop: }: the failure's
     * own message, not that of a wrapper (a Spark job failure, say), on one line; bad data one
     * line per problem found (file, record, fault).
     */
    public static List<String> errorLines(Throwable e) {
        Throwable known = known(e);
        if (known == null) {
            return List.of("normdrop: " + oneLine("internal error: " + e.getClass().getName() + ": " + e.getMessage()
                    + " (stack trace in the log)"));
        }
        if (known instanceof DataException) {
            return known.getMessage().lines().map(line -> "normdrop: " + line.strip()).toList();
        }
        return List.of("normdrop: " + oneLine(known.getMessage()));
    }

    /** The exit code for a failure, looking through wrappers such as Spark's. */
    public static ExitCode exitCode(Throwable e) {
        Throwable known = known(e);
        return known == null ? ExitCode.INTERNAL : FAILURES_BY_TYPE.entrySet().stream()
                .filter(f -> f.getKey().isInstance(known)).findFirst().orElseThrow().getValue();
    }

    /** The first failure of a known kind in {@code e}'s cause chain, or null. */
    private static Throwable known(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            for (Class<? extends Throwable> type : FAILURES_BY_TYPE.keySet()) {
                if (type.isInstance(t)) {
                    return t;
                }
            }
        }
        return null;
    }

    /** The exit code of each kind of failure, most specific type first. */
    private static final Map<Class<? extends Throwable>, ExitCode> FAILURES_BY_TYPE = new LinkedHashMap<>();

    static {
        FAILURES_BY_TYPE.put(ConfigException.class, ExitCode.USAGE);
        FAILURES_BY_TYPE.put(MissingInputException.class, ExitCode.NO_INPUT);
        FAILURES_BY_TYPE.put(DataException.class, ExitCode.DATA);
        FAILURES_BY_TYPE.put(OutputExistsException.class, ExitCode.OUTPUT_EXISTS);
        FAILURES_BY_TYPE.put(SparkUnavailableException.class, ExitCode.UNAVAILABLE);
        FAILURES_BY_TYPE.put(RunInProgressException.class, ExitCode.RUN_IN_PROGRESS);
        FAILURES_BY_TYPE.put(TrainingDivergedException.class, ExitCode.DIVERGED);
        FAILURES_BY_TYPE.put(QualityGateException.class, ExitCode.QUALITY_GATE);
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ");
    }

    /** Prints the code version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"normdrop " + CodeVersion.current()};
        }
    }
}
