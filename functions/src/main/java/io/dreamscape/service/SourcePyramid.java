package io.dreamscape.service;

import io.dreamscape.imaging.DecodedImage;
import io.dreamscape.imaging.ImageDecoder;
import io.dreamscape.job.Plan;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.stitch.DeepZoomWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The "before" of the viewer's before/after slider: a DZI pyramid of the source as the dream saw it (orientation
 * applied, sRGB), beside the result's ({@link StorageLayout#sourceOutputKey}). The decoders here hold a decoded image
 * whole (3-6 bytes per pixel), so only sources up to {@link #MAX_PIXELS} get one; larger jobs show the result alone.
 * A failure costs only the slider, never the job.
 */
final class SourcePyramid {
    /** 64 MP: at most ~400 MB of decoded 16-bit samples in the Assemble function's 1-2 GB. */
    static final long MAX_PIXELS = 64_000_000L;

    private SourcePyramid() {
    }

    /** @return the tiles put, or -1 when the source is too large for one */
    static int write(ObjectStore objects, Plan plan, String outputKey, Path dir) throws IOException {
        if ((long) plan.width() * plan.height() > MAX_PIXELS) {
            return -1;
        }
        Path src = dir.resolve("source-image");
        try (InputStream in = objects.open(plan.source().key(), plan.source().versionId())) {
            Files.copy(in, src, StandardCopyOption.REPLACE_EXISTING);
        }
        String sourceKey = StorageLayout.sourceOutputKey(outputKey);
        Path dzi = dir.resolve("source.dzi");
        try {
            DecodedImage image = ImageDecoder.read(src, MAX_PIXELS);
            if (image.width() != plan.width() || image.height() != plan.height()) {
                throw new IOException("the source decodes to " + image.width() + "×" + image.height() + ", the plan says "
                        + plan.width() + "×" + plan.height());
            }
            Files.deleteIfExists(src);
            DeepZoomWriter zoom = DeepZoomWriter.jpeg(image.width(), image.height(), dzi);
            int w = image.width();
            float[] r = new float[w];
            float[] g = new float[w];
            float[] b = new float[w];
            int[] row = new int[w];
            for (int y = 0; y < image.height(); y++) {
                image.readRow(y, r, g, b);
                for (int x = 0; x < w; x++) {
                    row[x] = to8(r[x]) << 16 | to8(g[x]) << 8 | to8(b[x]);
                }
                zoom.addRow(row);
            }
            return DeepZoomUpload.put(objects, dzi, zoom.filesDirectory(), sourceKey);
        } finally {
            Files.deleteIfExists(src);
        }
    }

    private static int to8(float v) {
        return Math.round((v < 0 ? 0 : Math.min(v, 1f)) * 255f);
    }
}
