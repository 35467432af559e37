package io.dreamscape.worker;

import static io.dreamscape.worker.LogValues.message;
import static io.dreamscape.worker.LogValues.seconds;

import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.storage.StreamedInput;
import io.dreamscape.imaging.ImageInfo;
import io.dreamscape.imaging.RegionDecoder;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Rect;
import io.dreamscape.log.JsonLog;
import java.awt.Rectangle;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A shard's input: only its halo rectangle is decoded, straight into the float planes, so a shard's memory follows its
 * halo, not the upload. The header is checked against the plan before any pixel is decoded.
 *
 * <p>What is still read in full: the download (the worker fetches the whole object; a JPEG or PNG needs every byte
 * before the halo's last row anyway, a TIFF only its strips) and, for JPEG and PNG, the decoding of the rows above the
 * halo (entropy-coded data cannot be entered in the middle); those rows are dropped as they are decoded.
 */
final class ShardInput {
    private ShardInput() {
    }

    /** The image's size as displayed differs from the plan's. */
    static final class SizeMismatch extends Exception {
        SizeMismatch(String message) {
            super(message);
        }
    }

    static StreamedInput.Loaded load(Path input, int planWidth, int planHeight, Rect halo, long maxPixels, Path dir)
            throws IOException, SizeMismatch {
        ImageInfo info = RegionDecoder.probe(input, maxPixels);
        if (info.orientedWidth() != planWidth || info.orientedHeight() != planHeight) {
            throw new SizeMismatch("the input is " + info.orientedWidth() + "×" + info.orientedHeight()
                    + " but the plan was made for " + planWidth + "×" + planHeight);
        }
        return StreamedInput.load(input, info, new Rectangle(halo.x(), halo.y(), halo.width(), halo.height()), dir);
    }

    /**
     * The downloaded {@code input}'s {@code halo} as float planes, for the worker: a size that differs from the plan's,
     * or an input that cannot be decoded, fails the job ({@code prefix} starts the sentence).
     */
    static FloatPlanes decodeHalo(Path input, Plan plan, Rect halo, long maxPixels, Path dir, String prefix, JsonLog log)
            throws WorkerException {
        long t0 = System.nanoTime();
        StreamedInput.Loaded loaded;
        try {
            // Only the halo is decoded, its rows streamed into the planes: no decoded image on the heap.
            loaded = load(input, plan.width(), plan.height(), halo, maxPixels, dir);
        } catch (SizeMismatch e) {
            throw WorkerException.permanent(prefix + e.getMessage());
        } catch (IOException | RuntimeException e) {
            throw WorkerException.permanent(prefix + "the input " + plan.source().key() + " cannot be decoded: "
                    + message(e), e);
        }
        log.info("input decoded", "width", plan.width(), "height", plan.height(), "halo", halo.toString(),
                "streamed", loaded.streamed(), "seconds", seconds(t0));
        // Hand the decode's heap (row garbage, or the whole image after a classic decode) back before libtorch
        // allocates for the tiles (as DreamFile does).
        System.gc();
        return loaded.planes();
    }
}
