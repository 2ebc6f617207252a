package io.normdrop.testing;

import io.normdrop.config.DataConfig;
import io.normdrop.config.DataSource;

/** Data sets and layouts as tests build them, with the job defaults for what they leave out. */
public final class DataSources {
    private DataSources() {
    }

    /** An IDX set: an image file and a label file. */
    public static DataSource idx(String role, String images, String labels, int limit) {
        return new DataSource(role, images, labels, null, limit);
    }

    /** A csv, libsvm or parquet set at {@code path}. */
    public static DataSource at(String role, String path, int limit) {
        return new DataSource(role, null, null, path, limit);
    }

    /** data.csv at its defaults. */
    public static DataConfig.Csv csv() {
        return new DataConfig.Csv(false, ",", "0");
    }

    /** data.parquet at its defaults. */
    public static DataConfig.Parquet parquet() {
        return new DataConfig.Parquet("label", "features");
    }
}
