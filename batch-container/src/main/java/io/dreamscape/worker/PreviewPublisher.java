package io.dreamscape.worker;

import static io.dreamscape.worker.LogValues.message;
import static io.dreamscape.worker.LogValues.seconds;

import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.JobId;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.log.JsonLog;
import io.dreamscape.ports.ObjectStore;
import java.io.IOException;

/**
 * Puts a shard's {@link LivePreview} where the status API finds it ({@code jobs/{jobId}/live/...}, one per octave).
 * A failure costs only the picture: it is logged and the dream goes on.
 */
record PreviewPublisher(ObjectStore objects, JobId id, int shard, JsonLog log) {

    /** The working image of octave {@code k}; {@code why} says what triggered it, for the log. */
    void publish(int k, FloatPlanes working, String why) {
        try {
            long t0 = System.nanoTime();
            byte[] jpeg = LivePreview.jpeg(working);
            long t1 = System.nanoTime();
            objects.put(StorageLayout.livePreviewKey(id, shard, k), jpeg, "image/jpeg");
            log.info("live preview published", "trigger", why, "octave", k, "bytes", jpeg.length,
                    "encodeSeconds", (t1 - t0) / 1e9, "uploadSeconds", seconds(t1));
        } catch (IOException | RuntimeException e) {
            log.warn("live preview failed", "octave", k, "error", message(e));
        }
    }
}
