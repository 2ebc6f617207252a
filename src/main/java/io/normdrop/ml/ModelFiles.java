package io.normdrop.ml;

import io.normdrop.score.TrainedModel;
import io.normdrop.store.RunFiles;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.util.DefaultParamsReader$;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.deeplearning4j.util.ModelSerializer;
import scala.Option;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/**
 * How a {@link NormdropClassificationModel} is saved and loaded (Spark ML's {@code MLWriter} and
 * {@code MLReader}): {@code metadata/} as Spark's DefaultParamsWriter writes it (uid, params),
 * {@code data/model.zip} (the network without updater state, with the feature scaling) and
 * {@code data/job.conf} (the resolved job that trained it).
 */
final class ModelFiles {
    static final String MODEL_FILE = "model.zip";
    static final String JOB_FILE = "job.conf";

    private ModelFiles() {
    }

    /** Writes {@code metadata/} and {@code data/} under the path. */
    static final class Writer extends MLWriter {
        private final NormdropClassificationModel model;

        Writer(NormdropClassificationModel model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter$.MODULE$.saveMetadata(model, path, sc(), Option.empty(), Option.empty());
            Path data = new Path(path, "data");
            try {
                FileSystem fs = data.getFileSystem(sc().hadoopConfiguration());
                File local = Files.createTempFile("normdrop-model", ".zip").toFile();
                try {
                    ModelSerializer.writeModel(model.network(), local, false);
                    if (model.scaler() != null) {
                        RunFiles.addScaling(local, model.scaler());
                    }
                    fs.copyFromLocalFile(false, true, new Path(local.toURI()), new Path(data, MODEL_FILE));
                } finally {
                    Files.deleteIfExists(local.toPath());
                }
                try (FSDataOutputStream out = fs.create(new Path(data, JOB_FILE), true)) {
                    out.write(model.trainingJob().getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(path + ": saving " + model.uid() + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** Reads what {@link Writer} wrote. */
    static final class Reader extends MLReader<NormdropClassificationModel> {
        @Override
        public NormdropClassificationModel load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader$.MODULE$.loadMetadata(path, sc(),
                    NormdropClassificationModel.class.getName());
            Path data = new Path(path, "data");
            TrainedModel trained = TrainedModel.load(new Path(data, MODEL_FILE).toString(), true,
                    sc().hadoopConfiguration());
            String job;
            try {
                FileSystem fs = data.getFileSystem(sc().hadoopConfiguration());
                try (FSDataInputStream in = fs.open(new Path(data, JOB_FILE))) {
                    job = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(path + ": reading " + JOB_FILE + " failed: " + e.getMessage(), e);
            }
            NormdropClassificationModel model = new NormdropClassificationModel(metadata.uid(), trained.network(),
                    trained.scaler(), job);
            metadata.getAndSetParams(model, Option.empty());
            return model;
        }
    }
}
