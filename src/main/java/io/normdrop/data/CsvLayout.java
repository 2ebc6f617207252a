package io.normdrop.data;

import io.normdrop.config.DataConfig;
import io.normdrop.config.DataSource;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.List;

/**
 * The layout of a data set's csv files as the job gives it ({@code data.csv}): the column names
 * of the header line, and the label and key columns, each given by index or by header name.
 * Read on the driver, for training and scoring alike.
 */
final class CsvLayout {
    private final JavaSparkContext sc;
    private final DataConfig.Csv csv;

    CsvLayout(JavaSparkContext sc, DataConfig.Csv csv) {
        this.sc = sc;
        this.csv = csv;
    }

    /** The column names of the csv header (the first line of the first file). */
    List<String> header(DataSource source) {
        String line = TextRecords.firstLine(sc, source.path());
        if (line == null) {
            throw new DataException(source.path() + ": empty data set (no header line; data.csv.header = true)");
        }
        return TextParsers.csvHeader(csv.separator(), line);
    }

    /** The label and key columns of the csv files ({@code data.csv.label}, {@code data.csv.key}). */
    TextParsers.CsvColumns columns(DataSource source, List<String> header) {
        String key = csv.key();
        return new TextParsers.CsvColumns(column(source, header, csv.label(), "data.csv.label"),
                key == null ? TextParsers.CsvColumns.NONE : column(source, header, key, "data.csv.key"), header);
    }

    /** The index of a csv column given by index or header name ({@code jobKey} for messages). */
    int column(DataSource source, List<String> header, String column, String jobKey) {
        int index = DataConfig.Csv.labelIndex(column);
        if (index >= 0) {
            return index;
        }
        int found = header.indexOf(column);
        if (found < 0) {
            throw new DataException(source.path() + ": no column '" + column + "' (" + jobKey + ") in the header "
                    + String.join(String.valueOf(csv.separator()), header));
        }
        return found;
    }
}
