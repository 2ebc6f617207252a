package io.normdrop.job;

import io.normdrop.config.JobSchema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code normdrop keys}: every job key, its default and its meaning, as conf/job-defaults.conf holds them. */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = {"Print every job key with its default and meaning (the text of conf/job-defaults.conf)."})
final class KeysCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(JobSchema.render());
        spec.commandLine().getOut().flush();
        return ExitCode.OK.code();
    }
}
