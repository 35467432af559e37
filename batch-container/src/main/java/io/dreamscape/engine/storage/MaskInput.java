package io.dreamscape.engine.storage;

import io.dreamscape.imaging.ImageInfo;
import io.dreamscape.imaging.PixelSink;
import io.dreamscape.imaging.RegionDecoder;
import io.dreamscape.job.MaskAspect;
import java.awt.Rectangle;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Decodes a mask (any size with the image's aspect ratio) into one float plane at the image's size, or at the size of
 * a rectangle of the image (a shard's halo). The mask is first resized to the whole image, bilinearly as
 * {@link Resampler} does, then cropped, so every shard sees the same values at the same image pixel; only the source
 * rows and columns under the rectangle are decoded (EXIF orientation applied, like the image's), straight into a
 * mapped plane: no decoded copy on the heap, whatever the mask's size.
 *
 * <p>Colour masks count by their Rec. 601 luma; a greyscale mask (R = G = B) keeps its values (within float rounding): 0 stays exactly 0
 * (black = untouched) and white is exactly 1 (values within 10⁻⁵ of 0 or 1 are snapped to them, so float rounding in
 * the luma cannot leave a white pixel at 0.99999994).
 */
public final class MaskInput {
    static final double KR = 0.299;
    static final double KG = 0.587;
    static final double KB = 0.114;
    private static final float SNAP = 1e-5f;

    private MaskInput() {
    }

    /**
     * The mask's header, checked before any pixel is decoded: within {@code maxPixels} (else an
     * {@link io.dreamscape.imaging.ImageException}) and of the image's shape (else a
     * {@link io.dreamscape.job.ParameterException} naming both ratios).
     */
    public static ImageInfo probe(Path mask, int imageWidth, int imageHeight, long maxPixels) throws IOException {
        ImageInfo info = RegionDecoder.probe(mask, maxPixels);
        MaskAspect.check(info.orientedWidth(), info.orientedHeight(), imageWidth, imageHeight);
        return info;
    }

    /** The whole mask at the image's size (the caller closes the plane). */
    public static FloatPlanes load(Path mask, int imageWidth, int imageHeight, long maxPixels, Path scratch)
            throws IOException {
        return load(mask, imageWidth, imageHeight, new Rectangle(0, 0, imageWidth, imageHeight), maxPixels, scratch);
    }

    /** The rectangle {@code region} of the mask resized to {@code imageWidth×imageHeight}; a plane of its size. */
    public static FloatPlanes load(Path mask, int imageWidth, int imageHeight, Rectangle region, long maxPixels,
                                   Path scratch) throws IOException {
        ImageInfo info = probe(mask, imageWidth, imageHeight, maxPixels);
        int mw = info.orientedWidth();
        int mh = info.orientedHeight();
        Resampler.Taps tx = Resampler.Taps.of(mw, imageWidth);
        Resampler.Taps ty = Resampler.Taps.of(mh, imageHeight);
        int sx0 = tx.i0()[region.x];
        int sx1 = tx.i1()[region.x + region.width - 1];
        int sy0 = ty.i0()[region.y];
        int sy1 = ty.i1()[region.y + region.height - 1];
        Rectangle source = new Rectangle(sx0, sy0, sx1 - sx0 + 1, sy1 - sy0 + 1);
        try (FloatPlanes grey = FloatPlanes.createSingle(source.width, source.height, scratch)) {
            RegionDecoder.decode(mask, info, source, new GreySink(grey));
            FloatPlanes out = FloatPlanes.createSingle(region.width, region.height, scratch);
            try {
                resample(grey, sx0, sy0, tx, ty, region, out);
                return out;
            } catch (RuntimeException | Error e) {
                out.close();
                throw e;
            }
        }
    }

    /** Bilinear from the decoded source rectangle (at {@code sx0, sy0} of the mask) into the region's plane. */
    private static void resample(FloatPlanes grey, int sx0, int sy0, Resampler.Taps tx, Resampler.Taps ty,
                                 Rectangle region, FloatPlanes out) {
        int sw = grey.width();
        float[] r0 = new float[sw];
        float[] r1 = new float[sw];
        float[] row = new float[region.width];
        for (int y = 0; y < region.height; y++) {
            int a = ty.i0()[region.y + y] - sy0;
            int b = ty.i1()[region.y + y] - sy0;
            grey.getRow(0, a, r0);
            grey.getRow(0, b, r1);
            float wy = ty.w1()[region.y + y];
            for (int x = 0; x < region.width; x++) {
                int i0 = tx.i0()[region.x + x] - sx0;
                int i1 = tx.i1()[region.x + x] - sx0;
                float wx = tx.w1()[region.x + x];
                float top = r0[i0] + (r0[i1] - r0[i0]) * wx;
                float bot = r1[i0] + (r1[i1] - r1[i0]) * wx;
                row[x] = snap(top + (bot - top) * wy);
            }
            out.putRow(0, y, row);
        }
    }

    static float snap(float v) {
        if (v < SNAP) return 0f;
        if (v > 1f - SNAP) return 1f;
        return v;
    }

    /**
     * Luma of the decoded samples into one plane. The decoder writes each row segment's channels in order 0, 1, 2
     * (both its streamed and its classic path), so R's weighted value is written, G's and B's are added to it.
     */
    private record GreySink(FloatPlanes plane) implements PixelSink {
        @Override
        public void put(int c, int y, int x, float[] src, int off, int len) {
            float[] seg = new float[len];
            if (c == 0) {
                for (int i = 0; i < len; i++) seg[i] = (float) (KR * src[off + i]);
            } else {
                plane.get(0, y, x, seg, 0, len);
                double k = c == 1 ? KG : KB;
                for (int i = 0; i < len; i++) seg[i] = (float) (seg[i] + k * src[off + i]);
                if (c == 2) {
                    for (int i = 0; i < len; i++) seg[i] = snap(seg[i]);
                }
            }
            plane.put(0, y, x, seg, 0, len);
        }
    }
}
