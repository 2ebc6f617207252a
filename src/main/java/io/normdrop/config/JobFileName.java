package io.normdrop.config;

/** An enum whose constants job files name in lower case, with '-' for '_'. */
public interface JobFileName {
    String name();

    /** The name in job files, e.g. {@code weightnorm-dense}, {@code parameter-averaging}. */
    default String jobName() {
        return Key.name((Enum<?>) this);
    }
}
