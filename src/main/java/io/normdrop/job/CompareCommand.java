package io.normdrop.job;

import io.normdrop.data.DataException;
import io.normdrop.data.MissingInputException;
import io.normdrop.metrics.MetricsFiles;
import io.normdrop.metrics.RunComparison;
import io.normdrop.store.HadoopFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code normdrop compare RUN_DIR...}: several finished runs side by side. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Compare finished runs from their metrics.json: accuracy, loss, time, parameters,",
                "dropout and weight-norm settings, and whether their parameters are bit-identical."})
final class CompareCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "RUN_DIR", description = "Run directories (any Hadoop path).")
    List<String> runs;

    @Option(names = "--html", paramLabel = "FILE", description = "Also write the comparison as a self-contained HTML page.")
    String html;

    @Option(names = "--markdown", paramLabel = "FILE", description = "Also write the table as Markdown.")
    String markdown;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        RunComparison comparison = load(runs, new Configuration());
        spec.commandLine().getOut().print(comparison.text());
        spec.commandLine().getOut().flush();
        Configuration hadoop = new Configuration();
        if (html != null) {
            HadoopFiles.writeAtomically(html, comparison.html("Normdrop runs compared"), hadoop);
        }
        if (markdown != null) {
            HadoopFiles.writeAtomically(markdown, comparison.markdown(), hadoop);
        }
        return ExitCode.OK.code();
    }

    /** The runs' metrics documents; a directory without one is a missing input, a broken one bad data. */
    static RunComparison load(List<String> dirs, Configuration hadoop) throws IOException {
        List<RunComparison.Run> loaded = new ArrayList<>();
        for (String dir : dirs) {
            Path file = new Path(dir, MetricsFiles.JSON_FILE);
            FileSystem fs = file.getFileSystem(hadoop);
            if (!fs.exists(file)) {
                throw new MissingInputException(file + ": no such file (is " + dir + " a finished Normdrop run?)", null);
            }
            try (FSDataInputStream in = fs.open(file)) {
                loaded.add(new RunComparison.Run(new Path(dir).getName(), MetricsFiles.read(in, file.toString())));
            } catch (IOException e) {
                throw new DataException(e.getMessage(), e);
            }
        }
        return new RunComparison(loaded);
    }
}
