package io.dreamscape.engine;

import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.storage.ImagePlanes;
import io.dreamscape.engine.storage.Resampler;
import io.dreamscape.imaging.DecodedImage;
import io.dreamscape.imaging.ImageDecoder;
import io.dreamscape.imaging.ImageException;
import io.dreamscape.job.ParameterException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The guide image of google/deepdream's guided objective, as the network sees it: RGB in [0,1], planar
 * ({@code 3·h·w}), at most {@code maxSide} pixels on its long side (scaled down keeping its aspect; never up, except
 * that a side below {@link #MIN_SIDE} is raised to it so that deep layers have some extent). One per run: every tile,
 * octave and shard uses its features.
 */
public record GuideImage(float[] planar, int width, int height) {
    /** Smallest side fed to the network (stride-32 layers need a few positions): the engine's smallest window. */
    public static final int MIN_SIDE = io.dreamscape.job.OctaveSizes.MIN_WINDOW;
    /** Guides larger than this are refused before decoding (a guide is a small picture of a look). */
    public static final long MAX_PIXELS = 100_000_000L;

    public GuideImage {
        if (planar.length != 3L * width * height) {
            throw new IllegalArgumentException("guide data has " + planar.length + " values for " + width + "×" + height);
        }
    }

    /**
     * Decodes {@code file} and scales it to fit {@code maxSide}.
     *
     * @throws ParameterException with a sentence when the file is missing or is no image this tool can read
     */
    public static GuideImage load(Path file, int maxSide, Path scratch) {
        if (!Files.isRegularFile(file)) {
            throw new ParameterException("guide image not found: " + file);
        }
        DecodedImage img;
        try {
            img = ImageDecoder.read(file, MAX_PIXELS);
        } catch (ImageException e) {
            throw new ParameterException("guide image " + file.getFileName() + " cannot be used: " + e.getMessage());
        } catch (RuntimeException e) {
            throw new ParameterException("guide image " + file.getFileName() + " cannot be read: " + e);
        }
        try {
            Files.createDirectories(scratch);
            try (FloatPlanes full = ImagePlanes.load(img, scratch)) {
                return fit(full, maxSide, scratch);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@code image} scaled down to fit {@code maxSide} (see the class comment), as a guide. */
    public static GuideImage fit(FloatPlanes image, int maxSide, Path scratch) {
        int w = image.width();
        int h = image.height();
        double scale = Math.min(1.0, (double) maxSide / Math.max(w, h));
        scale = Math.max(scale, (double) MIN_SIDE / Math.min(w, h));
        int tw = Math.max(1, (int) Math.round(w * scale));
        int th = Math.max(1, (int) Math.round(h * scale));
        float[] planar = new float[3 * tw * th];
        float[] row = new float[tw];
        // Halving first (bilinear at exactly ½ averages 2×2 pixels) so that a large guide is not aliased.
        FloatPlanes src = image;
        try {
            while (src.width() >= 2 * tw && src.height() >= 2 * th) {
                FloatPlanes half = FloatPlanes.create(src.width() / 2, src.height() / 2, scratch);
                Resampler.resize(src, half);
                if (src != image) src.close();
                src = half;
            }
            if (src.width() != tw || src.height() != th) {
                FloatPlanes exact = FloatPlanes.create(tw, th, scratch);
                Resampler.resize(src, exact);
                if (src != image) src.close();
                src = exact;
            }
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < th; y++) {
                    src.getRow(c, y, row);
                    System.arraycopy(row, 0, planar, (c * th + y) * tw, tw);
                }
            }
        } finally {
            if (src != image) src.close();
        }
        return new GuideImage(planar, tw, th);
    }
}
