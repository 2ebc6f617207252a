package io.normdrop.job;

import io.normdrop.config.DeploymentPolicy;
import io.normdrop.config.JobFiles;
import io.normdrop.config.LoadedJob;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The job file and its overrides, shared by every command that takes a job. */
final class JobOptions {
    @Parameters(index = "0", paramLabel = "JOB", description = "The job file (HOCON), e.g. jobs/quickstart.conf.")
    Path jobFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a job key, e.g. --set training.epochs=3 or --set model.layers[0].units=128. Repeatable.")
    List<String> overrides = new ArrayList<>();

    LoadedJob load(List<String> extra) {
        List<String> all = new ArrayList<>(overrides);
        all.addAll(extra);
        LoadedJob job = JobFiles.load(jobFile, all);
        DeploymentPolicy.current().check(job);
        return job;
    }
}
