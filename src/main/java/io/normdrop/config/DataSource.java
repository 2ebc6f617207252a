package io.normdrop.config;

/**
 * One labeled data set in MNIST's IDX format: an image file and a label file, gzipped or not,
 * on any file system Hadoop reads ({@code file:}, {@code hdfs:}, {@code s3a:} ...).
 *
 * @param role   {@code train} or {@code test}; names the job keys ({@code data.train.images})
 * @param images path of the IDX image file (magic 0x00000803)
 * @param labels path of the IDX label file (magic 0x00000801)
 * @param limit  use only the first {@code limit} examples; 0 (the default) uses all
 */
public record DataSource(String role, String images, String labels, int limit) {
    public DataSource {
        Checks.notBlank("data." + role + ".images", images);
        Checks.notBlank("data." + role + ".labels", labels);
        Checks.atLeast("data." + role + ".limit", limit, 0);
    }

    /** The job key prefix of this source, e.g. {@code data.train}. */
    public String key() {
        return "data." + role;
    }
}
