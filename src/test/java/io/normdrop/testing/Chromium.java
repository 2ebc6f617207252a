package io.normdrop.testing;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Renders a page with a real browser: Debian's headless Chromium ({@code deploy/setup.sh --test}
 * installs it), to a PNG screenshot.
 */
public final class Chromium {
    public static final Path BINARY = Path.of("/usr/bin/chromium");

    private Chromium() {
    }

    /** A screenshot of {@code page} in a window {@code width} x {@code height} pixels. */
    public static BufferedImage screenshot(Path page, int width, int height) throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError(BINARY + " is missing: run deploy/setup.sh --test (apt-get install chromium)");
        }
        Path png = Files.createTempFile("normdrop-report", ".png");
        Path profile = Files.createTempDirectory("normdrop-chromium");
        try {
            Process p = new ProcessBuilder(List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--hide-scrollbars", "--user-data-dir=" + profile, "--window-size=" + width + "," + height,
                    "--screenshot=" + png, page.toUri().toString()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("chromium did not finish in 90 s");
            }
            if (p.exitValue() != 0 || Files.size(png) == 0) {
                throw new AssertionError("chromium failed with exit code " + p.exitValue());
            }
            return ImageIO.read(png.toFile());
        } finally {
            Files.deleteIfExists(png);
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Pixels within {@code tolerance} per channel of {@code rgb} (e.g. 0x1f77b4). */
    public static int pixels(BufferedImage image, int rgb, int tolerance) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int p = image.getRGB(x, y);
                if (Math.abs(((p >> 16) & 0xff) - ((rgb >> 16) & 0xff)) <= tolerance
                        && Math.abs(((p >> 8) & 0xff) - ((rgb >> 8) & 0xff)) <= tolerance
                        && Math.abs((p & 0xff) - (rgb & 0xff)) <= tolerance) {
                    n++;
                }
            }
        }
        return n;
    }
}
