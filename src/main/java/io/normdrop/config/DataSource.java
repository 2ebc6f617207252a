package io.normdrop.config;

import com.typesafe.config.Config;

/**
 * One labeled data set, on any file system Hadoop reads ({@code file:}, {@code hdfs:},
 * {@code s3a:} ...). Which of its files a job must give depends on {@code data.format}
 * ({@link DataConfig} checks that); its components are the values of {@link #keys}.
 *
 * @param role {@code train}, {@code test} or {@code validation}: the set's keys are {@code data.ROLE.*}
 */
public record DataSource(String role, String images, String labels, String path, int limit) {
    /** The keys of the set with role {@code train} or {@code test}. */
    record Keys(Key<String> images, Key<String> labels, Key<String> path, Key<Integer> limit) {
        static Keys of(String role) {
            String p = "data." + role + ".";
            return new Keys(
                    Key.optionalString(p + "images", null, "IDX image file (magic 0x00000803), gzipped or not; "
                            + "data.format = idx only.", Rules.notBlank()),
                    Key.optionalString(p + "labels", null, "IDX label file (magic 0x00000801), gzipped or not; "
                            + "data.format = idx only.", Rules.notBlank()),
                    Key.optionalString(p + "path", null, "csv, libsvm or parquet: a file, a directory of part files "
                            + "or a glob.", Rules.notBlank()),
                    Key.integer(p + "limit", 0, "Use only the first N examples; 0 uses all.", Rules.atLeast(0)));
        }
    }

    static final Keys TRAIN = Keys.of("train");
    static final Keys TEST = Keys.of("test");
    static final Keys VALIDATION = Keys.of("validation");

    public DataSource {
        Keys keys = keys(role);
        keys.images().check(images);
        keys.labels().check(labels);
        keys.path().check(path);
        keys.limit().check(limit);
    }

    static Keys keys(String role) {
        return switch (role) {
            case "train" -> TRAIN;
            case "test" -> TEST;
            case "validation" -> VALIDATION;
            default -> Keys.of(role);
        };
    }

    static DataSource from(Config c, String role) {
        Keys keys = keys(role);
        return new DataSource(role, keys.images().read(c), keys.labels().read(c), keys.path().read(c),
                keys.limit().read(c));
    }

    /** The job key prefix of this set, e.g. {@code data.train}. */
    public String key() {
        return "data." + role;
    }

    /** The files this set names, for messages: the path, or the image file. */
    public String describe() {
        return path != null ? path : images;
    }
}
