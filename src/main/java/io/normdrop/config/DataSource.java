package io.normdrop.config;

/**
 * One labeled data set, on any file system Hadoop reads ({@code file:}, {@code hdfs:},
 * {@code s3a:} ...): for {@code idx} an image file and a label file (gzipped or not); for
 * {@code csv}, {@code libsvm} and {@code parquet} a file, a directory of part files or a glob.
 *
 * @param role   {@code train} or {@code test}; names the job keys ({@code data.train.images})
 * @param images path of the IDX image file (magic 0x00000803); null for the other formats
 * @param labels path of the IDX label file (magic 0x00000801); null for the other formats
 * @param path   file, directory or glob of a csv, libsvm or parquet data set; null for idx
 * @param limit  use only the first {@code limit} examples; 0 (the default) uses all
 */
public record DataSource(String role, String images, String labels, String path, int limit) {
    public DataSource {
        if (images != null) {
            Checks.notBlank("data." + role + ".images", images);
        }
        if (labels != null) {
            Checks.notBlank("data." + role + ".labels", labels);
        }
        if (path != null) {
            Checks.notBlank("data." + role + ".path", path);
        }
        Checks.atLeast("data." + role + ".limit", limit, 0);
    }

    /** An IDX data set: an image file and a label file. */
    public DataSource(String role, String images, String labels, int limit) {
        this(role, requireNonNull(role, "images", images), requireNonNull(role, "labels", labels), null, limit);
    }

    /** A csv, libsvm or parquet data set at {@code path}. */
    public static DataSource at(String role, String path, int limit) {
        return new DataSource(role, null, null, requireNonNull(role, "path", path), limit);
    }

    private static String requireNonNull(String role, String key, String value) {
        if (value == null) {
            throw new ConfigException("data." + role + "." + key, "is required");
        }
        return value;
    }

    /** The job key prefix of this source, e.g. {@code data.train}. */
    public String key() {
        return "data." + role;
    }

    /** The files this source names, for messages: the path, or the image file. */
    public String describe() {
        return path != null ? path : images;
    }
}
