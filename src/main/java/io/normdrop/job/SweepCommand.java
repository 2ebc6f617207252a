package io.normdrop.job;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigUtil;
import io.normdrop.config.ConfigException;
import io.normdrop.config.DeploymentPolicy;
import io.normdrop.config.JobFiles;
import io.normdrop.config.LoadedJob;
import io.normdrop.metrics.RunComparison;
import io.normdrop.store.HadoopFiles;
import io.normdrop.store.OutputExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code normdrop sweep SWEEP.conf}: trains one job over every combination of a sweep's axes,
 * one after the other in one Spark application, each into its own run directory under the
 * sweep's output directory, and ends with a comparison ({@code compare.txt}, {@code .md},
 * {@code .html}) of all of them.
 *
 * <p>A sweep file has a {@code job} block (a whole job, as in a job file) and a {@code sweep}
 * block: {@code axes}, each with a {@code name} and {@code values}, each value a {@code label}
 * and the {@code set} overrides (as {@code --set}) it applies.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Train a job over every combination of a sweep file's axes (one Spark application),",
                "then write compare.txt, compare.md and compare.html into the sweep's output directory."})
final class SweepCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SWEEP", description = "The sweep file, e.g. jobs/ablation-dropout-weightnorm.conf.")
    java.nio.file.Path sweepFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a job key in every cell. Repeatable.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", description = "The sweep's output directory (overrides the job's output.dir).")
    String out;

    @Option(names = "--overwrite", description = "Replace cells' run directories that exist.")
    boolean overwrite;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master (as for train).")
    String master;

    @Spec
    CommandSpec spec;

    /** Base name of the comparison files a sweep writes into its output directory. */
    static final String COMPARE = "compare";

    /** One combination: its label, directory name and validated job. */
    record Cell(String label, String name, LoadedJob job) {
    }

    @Override
    public Integer call() throws Exception {
        List<Cell> cells = cells(sweepFile, overrides, out);
        try (JavaSparkContext sc = new JavaSparkContext(SparkContexts.conf(cells.get(0).job().config().spark(), master))) {
            run(sc, cells, LoadedJob.nameOf(sweepFile.toString()), overwrite, spec.commandLine().getOut(),
                    spec.commandLine().getErr());
        }
        return ExitCode.OK.code();
    }

    /**
     * Trains every cell on {@code sc}, one after the other, then writes compare.txt, compare.md
     * and compare.html next to the cells' run directories.
     *
     * @throws OutputExistsException before training anything, when a cell's directory exists and
     *                               {@code overwrite} is false
     */
    static RunComparison run(JavaSparkContext sc, List<Cell> cells, String name, boolean overwrite, PrintWriter out,
                             PrintWriter err) throws java.io.IOException {
        if (!overwrite) {
            for (Cell cell : cells) {
                requireAbsent(cell, sc);
            }
        }
        int i = 0;
        for (Cell cell : cells) {
            out.printf("normdrop: sweep cell %d/%d: %s%n", ++i, cells.size(), cell.label());
            new TrainJob(cell.job(), overwrite).named(cell.label()).run(sc, out, err);
        }
        String dir = parentOf(cells.get(0));
        RunComparison comparison = CompareCommand.load(
                cells.stream().map(c -> c.job().config().output().dir()).toList(), sc.hadoopConfiguration());
        HadoopFiles.writeAtomically(dir + "/" + COMPARE + ".txt", comparison.text(), sc.hadoopConfiguration());
        HadoopFiles.writeAtomically(dir + "/" + COMPARE + ".md", comparison.markdown(), sc.hadoopConfiguration());
        HadoopFiles.writeAtomically(dir + "/" + COMPARE + ".html", comparison.html("Sweep " + name),
                sc.hadoopConfiguration());
        out.print(comparison.text());
        out.printf("normdrop: sweep of %d runs done; comparison in %s/%s.html%n", cells.size(), dir, COMPARE);
        out.flush();
        return comparison;
    }

    /** Every combination of the axes, in order (the first axis varies slowest), each validated. */
    static List<Cell> cells(java.nio.file.Path file, List<String> overrides, String out) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("sweep file", "no such file: " + file);
        }
        Config sweep;
        try {
            sweep = ConfigFactory.parseFile(file.toFile(), JobFiles.parseOptions(file));
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException("sweep file", e.getMessage());
        }
        for (String key : sweep.root().keySet()) {
            if (!key.equals("job") && !key.equals("sweep")) {
                throw new ConfigException(file + ": " + key, "unknown key (a sweep file has job and sweep)");
            }
        }
        if (!sweep.hasPath("job") || !sweep.hasPath("sweep.axes")) {
            throw new ConfigException(file.toString(), "a sweep file needs a job block and sweep.axes");
        }
        Config job = sweep.getConfig("job");
        List<List<Value>> axes = new ArrayList<>();
        try {
            for (Config axis : sweep.getConfigList("sweep.axes")) {
                List<Value> values = new ArrayList<>();
                for (Config v : axis.getConfigList("values")) {
                    values.add(new Value(v.getString("label"), v.hasPath("set") ? v.getStringList("set") : List.of()));
                }
                if (values.isEmpty()) {
                    throw new ConfigException(file + ": sweep.axes", "axis " + axis.getString("name") + " has no values");
                }
                axes.add(values);
            }
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(file + ": sweep.axes", e.getMessage() + " (each axis: name, values = [{ label, set = [KEY=VALUE ...] }])");
        }
        String base = out;
        if (base == null) {
            LoadedJob plain = JobFiles.of(job, file.toString(), overrides);
            base = plain.config().output().dir();
        }
        List<Cell> cells = new ArrayList<>();
        DeploymentPolicy policy = DeploymentPolicy.current();
        for (List<Value> combination : product(axes)) {
            String label = String.join(", ", combination.stream().map(Value::label).toList());
            String name = slug(label);
            List<String> sets = new ArrayList<>();
            combination.forEach(v -> sets.addAll(v.set()));
            sets.addAll(overrides);
            sets.add("output.dir=" + ConfigUtil.quoteString(base + "/" + name));
            LoadedJob cell = JobFiles.of(job, file + " [" + label + "]", sets);
            policy.check(cell);
            cells.add(new Cell(label, name, cell));
        }
        return cells;
    }

    private record Value(String label, List<String> set) {
    }

    private static List<List<Value>> product(List<List<Value>> axes) {
        List<List<Value>> out = new ArrayList<>();
        out.add(List.of());
        for (List<Value> axis : axes) {
            List<List<Value>> next = new ArrayList<>();
            for (List<Value> prefix : out) {
                for (Value v : axis) {
                    List<Value> c = new ArrayList<>(prefix);
                    c.add(v);
                    next.add(c);
                }
            }
            out = next;
        }
        return out;
    }

    /** A directory name from a label: lower case, runs of other characters as one dash. */
    static String slug(String label) {
        return label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-").replaceAll("^-|-$", "");
    }

    private static String parentOf(Cell cell) {
        String dir = cell.job().config().output().dir();
        return dir.substring(0, dir.length() - cell.name().length() - 1);
    }

    private static void requireAbsent(Cell cell, JavaSparkContext sc) throws java.io.IOException {
        Path p = new Path(cell.job().config().output().dir());
        FileSystem fs = p.getFileSystem(sc.hadoopConfiguration());
        if (fs.exists(p)) {
            throw new OutputExistsException(p.toString());
        }
    }
}
