package io.normdrop.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;

/**
 * A job file after loading: the validated configuration and the resolved HOCON it came from
 * (defaults, file and overrides merged), kept for provenance.
 *
 * @param source   where the job came from (a file path, or a description for in-memory jobs)
 * @param resolved every key with its effective value
 * @param config   the validated job
 */
public record LoadedJob(String source, Config resolved, JobConfig config) {
    /** The resolved job as HOCON, with comments saying where each value came from. */
    public String renderHocon() {
        return resolved.root().render(ConfigRenderOptions.defaults().setOriginComments(false).setComments(false).setJson(false));
    }

    /** The resolved job as compact JSON. */
    public String renderJson() {
        return resolved.root().render(ConfigRenderOptions.concise());
    }
}
