package io.dreamscape.job;

/**
 * The S3 key layout, the same in AWS and local mode (one bucket):
 *
 * <pre>
 * uploads/[{preset}/]{name}.{jpg|jpeg|png|tif|tiff}   input; dropping a file here starts a job; parameters JSON in
 *                                                    user metadata x-amz-meta-dreamscape; never modified or deleted
 * jobs/{jobId}/plan.json                             the plan (Plan record, JSON), written by Plan, read by workers
 * jobs/{jobId}/shards/{index}.png                    each shard's dreamed halo rectangle (16-bit RGB PNG, see Shard)
 * jobs/{jobId}/checkpoints/{index}/...               worker checkpoints of shard {index} (owned by the worker)
 * jobs/{jobId}/usage/{index}.json                    what shard {index}'s attempts used (ShardUsage), written by workers
 * jobs/{jobId}/live/{index}/octave-{k}.jpg           shard {index}'s working image during octave k, ≤ 1024 px
 * outputs/[{preset}/]{name}.dream.jpg                full-size result (same pixel size as the input, EXIF copied)
 * outputs/[{preset}/]{name}.preview.jpg              preview, long side at most 2048 px
 * outputs/[{preset}/]{name}.thumb.jpg                thumbnail, long side at most 256 px
 * outputs/[{preset}/]{name}.dream.dzi                Deep Zoom descriptor of the result (written after its tiles)
 * outputs/[{preset}/]{name}.dream_files/{l}/{c}_{r}.jpg   its tile pyramid (see io.dreamscape.stitch.DeepZoomWriter)
 * outputs/[{preset}/]{name}.source.dzi (+ _files/)   the source's pyramid, the viewer's "before" (sources ≤ 64 MP)
 * models/{model}.pt (+ models/{model}.json)          TorchScript models an upload may name ("model": "x.pt")
 * </pre>
 *
 * {@code name} is the upload's file name without its extension; outputs mirror the upload's preset folder, so
 * {@code uploads/classic/cat.jpg} gives {@code outputs/classic/cat.dream.jpg}.
 */
public final class StorageLayout {
    public static final String UPLOADS = "uploads/";
    public static final String JOBS = "jobs/";
    public static final String OUTPUTS = "outputs/";
    public static final String SHARD_EXTENSION = "png";

    private StorageLayout() {
    }

    /** Where a TorchScript model named in the parameters ({@code "model": "name.pt"}) is kept in the bucket. */
    public static String modelKey(String modelFileName) {
        return "models/" + modelFileName;
    }

    public static String planKey(JobId id) {
        return JOBS + id + "/plan.json";
    }

    public static String shardResultKey(JobId id, int index) {
        return JOBS + id + "/shards/" + index + "." + SHARD_EXTENSION;
    }

    public static String checkpointPrefix(JobId id, int index) {
        return JOBS + id + "/checkpoints/" + index + "/";
    }

    /** What shard {@code index}'s workers used ({@link ShardUsage}). */
    public static String shardUsageKey(JobId id, int index) {
        return JOBS + id + "/usage/" + index + ".json";
    }

    /** Shard {@code index}'s live preview of octave {@code octave} (at its end, or within it at most every N minutes). */
    public static String livePreviewKey(JobId id, int index, int octave) {
        return JOBS + id + "/live/" + index + "/octave-" + octave + ".jpg";
    }

    /** The output base name for an upload key: {@code uploads/classic/cat.JPG} → {@code classic/cat}. */
    public static String outputName(String uploadKey) {
        String rest = uploadKey.startsWith(UPLOADS) ? uploadKey.substring(UPLOADS.length()) : uploadKey;
        int slash = rest.lastIndexOf('/');
        int dot = rest.lastIndexOf('.');
        return dot > slash + 1 ? rest.substring(0, dot) : rest;
    }

    public static String outputKey(String name) {
        return OUTPUTS + name + ".dream.jpg";
    }

    public static String previewKey(String name) {
        return OUTPUTS + name + ".preview.jpg";
    }

    public static String thumbKey(String name) {
        return OUTPUTS + name + ".thumb.jpg";
    }

    /**
     * The Deep Zoom descriptor beside an output: {@code outputs/cat.dream.jpg} → {@code outputs/cat.dream.dzi}. Derived
     * from the output key, so the pyramid follows wherever the output goes.
     */
    public static String deepZoomKey(String outputKey) {
        return stem(outputKey) + ".dzi";
    }

    /**
     * The key the source's own pyramid is named after, beside the result's: {@code outputs/cat.dream.jpg} →
     * {@code outputs/cat.source.jpg} (never written itself; its {@link #deepZoomKey} is {@code outputs/cat.source.dzi}).
     */
    public static String sourceOutputKey(String outputKey) {
        return outputKey.endsWith(".dream.jpg")
                ? outputKey.substring(0, outputKey.length() - ".dream.jpg".length()) + ".source.jpg"
                : stem(outputKey) + ".source.jpg";
    }

    /** The folder of the pyramid's tiles, {@code outputs/cat.dream_files/} (the DZI convention: NAME.dzi, NAME_files/). */
    public static String deepZoomTilesPrefix(String outputKey) {
        return stem(outputKey) + "_files/";
    }

    private static String stem(String key) {
        int slash = key.lastIndexOf('/');
        int dot = key.lastIndexOf('.');
        return dot > slash + 1 ? key.substring(0, dot) : key;
    }
}
