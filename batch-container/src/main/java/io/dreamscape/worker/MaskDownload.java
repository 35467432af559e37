package io.dreamscape.worker;

import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.storage.MaskInput;
import io.dreamscape.imaging.ImageException;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.ParameterException;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Rect;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.ports.ObjectStore;
import java.awt.Rectangle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A shard's mask: the object {@code masks/{name}} the parameters name, fetched whole (a mask is usually far smaller
 * than the image) and decoded only under the shard's halo, as the mask resized to the whole image would be there
 * ({@link MaskInput}), so neighbouring shards agree on their overlap. Validate checked the mask before any GPU started;
 * a mask deleted or replaced by a broken one since then fails the job with a sentence.
 */
final class MaskDownload {
    private MaskDownload() {
    }

    /** The halo's mask plane, or null when the parameters name no mask. */
    static FloatPlanes load(ObjectStore objects, DreamParameters params, Plan plan, Rect halo, Path dir, String prefix)
            throws WorkerException {
        if (params.mask() == null) return null;
        String key = StorageLayout.maskKey(params.mask());
        String where = "s3://" + objects.bucket() + "/" + key;
        Path file = dir.resolve("mask");
        try {
            BucketFile.fetch(objects, key, file, prefix + "the mask " + where + " no longer exists (deleted after the job "
                    + "was validated); upload it again, then the image");
        } catch (IOException e) {
            throw WorkerException.transientFailure(prefix + "cannot download the mask " + where + ": " + e.getMessage(), e);
        }
        try {
            return MaskInput.load(file, plan.width(), plan.height(),
                    new Rectangle(halo.x(), halo.y(), halo.width(), halo.height()), params.maxPixels(), dir);
        } catch (ParameterException | ImageException e) {
            throw WorkerException.permanent(prefix + "the mask " + where + " cannot be used: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw WorkerException.permanent(prefix + "the mask " + where + " cannot be decoded: " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // the shard's scratch folder is deleted as a whole afterwards
            }
        }
    }
}
