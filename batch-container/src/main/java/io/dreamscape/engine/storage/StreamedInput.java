package io.dreamscape.engine.storage;

import io.dreamscape.imaging.ImageInfo;
import io.dreamscape.imaging.RegionDecoder;
import java.awt.Rectangle;
import java.nio.file.Path;

/**
 * Decodes an input image, or a rectangle of it as displayed (a shard's halo), straight into new float planes: rows
 * stream from the decoder into the mapped scratch file, so the decoded image never sits on the heap (it used to cost
 * 3 bytes per pixel, 3 GB at the 1-gigapixel limit). See {@link RegionDecoder} for what streams and what falls back.
 */
public final class StreamedInput {
    private StreamedInput() {
    }

    /** The planes (the caller closes them), the decoded precision (8 or 16) and whether the decode streamed. */
    public record Loaded(FloatPlanes planes, int bitsPerSample, boolean streamed) {
    }

    /** The whole image as displayed. */
    public static Loaded load(Path file, ImageInfo info, Path scratch) throws java.io.IOException {
        return load(file, info, new Rectangle(0, 0, info.orientedWidth(), info.orientedHeight()), scratch);
    }

    /** The rectangle {@code region} of the image as displayed; planes of the rectangle's size. */
    public static Loaded load(Path file, ImageInfo info, Rectangle region, Path scratch) throws java.io.IOException {
        FloatPlanes planes = FloatPlanes.create(region.width, region.height, scratch);
        try {
            RegionDecoder.Result r = RegionDecoder.decode(file, info, region, planes::put);
            return new Loaded(planes, r.bitsPerSample(), r.streamed());
        } catch (java.io.IOException | RuntimeException | Error e) {
            planes.close();
            throw e;
        }
    }
}
