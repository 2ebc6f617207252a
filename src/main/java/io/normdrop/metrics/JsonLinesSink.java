package io.normdrop.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Writes each epoch's metrics as one JSON object per line ({@code metrics.jsonl}). */
public final class JsonLinesSink implements MetricsSink {
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new Jdk8Module());
    private final OutputStream out;

    /** @param out the stream to write to; closed with the sink */
    public JsonLinesSink(OutputStream out) {
        this.out = out;
    }

    @Override
    public void epoch(EpochMetrics metrics) {
        try {
            out.write(JSON.writeValueAsBytes(metrics));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("writing metrics.jsonl failed", e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("closing metrics.jsonl failed", e);
        }
    }
}
