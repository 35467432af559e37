package io.dreamscape.job;

/**
 * The S3 key layout, the same in AWS and local mode (one bucket):
 *
 * <pre>
 * uploads/[{preset}/]{name}.{jpg|jpeg|png|tif|tiff}   input; dropping a file here starts a job; parameters JSON in
 *                                                    user metadata x-amz-meta-dreamscape; never modified or deleted
 * jobs/{jobId}/plan.json                             the plan (Plan record, JSON), written by Plan, read by workers
 * jobs/{jobId}/shards/{index}.png                    each shard's dreamed halo rectangle (16-bit RGB PNG, see Shard)
 * jobs/{jobId}/base/detail.png                       a split dream's base: the detail of its low octaves (plan v2)
 * jobs/{jobId}/checkpoints/{index}/...               worker checkpoints of shard {index} (owned by the worker)
 * jobs/{jobId}/usage/{index}.json                    what shard {index}'s attempts used (ShardUsage), written by workers
 * jobs/{jobId}/live/{index}/octave-{k}.jpg           shard {index}'s working image during octave k, ≤ 1024 px
 * outputs/[{preset}/]{file}-{shortId}/                one folder per job ({@link #outputPrefix}), holding:
 *     {name}.dream.jpg                               full-size result (same pixel size as the input, EXIF copied)
 *     {name}.preview.jpg                             preview, long side at most 2048 px
 *     {name}.thumb.jpg                               thumbnail, long side at most 256 px
 *     {name}.dream.dzi + {name}.dream_files/{l}/{c}_{r}.jpg   Deep Zoom pyramid of the result (descriptor written
 *                                                    after its tiles; see io.dreamscape.stitch.DeepZoomWriter)
 *     {name}.source.dzi + {name}.source_files/        the source's pyramid, the viewer's "before" (any size: streamed)
 * models/{model}.pt (+ models/{model}.json)          TorchScript models an upload may name ("model": "x.pt")
 * guides/{file}                                      guide images an upload may name ("guide": "flowers.jpg")
 * masks/{name}.{png|jpg|jpeg|tif|tiff}                greyscale masks an upload may name ("mask": "sky.png"); a mask
 *                                                    is never an upload itself (a key under uploads/ starts a job)
 * </pre>
 *
 * {@code file} is the upload's file name with its extension, {@code name} the same without the extension, and
 * {@code shortId} the first {@value #SHORT_ID} hex digits of the job id; outputs mirror the upload's preset folder, so
 * {@code uploads/classic/cat.jpg} gives {@code outputs/classic/cat.jpg-3f9a1c2b04de/cat.dream.jpg}.
 *
 * <p>Why a folder per job: every job keeps its own outputs for as long as they exist. {@code uploads/eagle.jpg} and
 * {@code uploads/eagle.png} differ in the extension, a re-upload of {@code uploads/kite.jpg} with new bytes differs
 * in the job id. The short id is 48 of the job id's 128 random bits: two jobs of the same upload name share a folder
 * with probability about n²/2⁴⁹ (below 10⁻⁹ for a million re-uploads of one name), so the full id — the job's
 * capability — need not be spelled into every download link.
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

    /** Where a guide image named in an upload's parameters ({@code "guide": "flowers.jpg"}) is kept in the bucket. */
    public static String guideKey(String guideFileName) {
        return "guides/" + guideFileName;
    }

    /** Where a mask named in the parameters ({@code "mask": "name.png"}) is kept in the bucket. */
    public static String maskKey(String maskName) {
        return "masks/" + maskName;
    }

    public static String planKey(JobId id) {
        return JOBS + id + "/plan.json";
    }

    public static String shardResultKey(JobId id, int index) {
        return JOBS + id + "/shards/" + index + "." + SHARD_EXTENSION;
    }

    /**
     * The base job's result (plan version 2): the detail dreamed at octave {@code baseOctaves - 1} of the whole image
     * (working − base, in [-1, 1]) as a 16-bit RGB PNG of that octave's size, sample = round((d + 1) / 2 · 65535).
     */
    public static String baseDetailKey(JobId id) {
        return JOBS + id + "/base/detail.png";
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

    /** Hex digits of the job id in a job's output folder name. */
    public static final int SHORT_ID = 12;

    /** A job's output keys, all under {@code prefix}. */
    public record Outputs(String prefix, String image, String preview, String thumb) {
    }

    /** The output base name for an upload key: {@code uploads/classic/cat.JPG} → {@code classic/cat}. */
    public static String outputName(String uploadKey) {
        String rest = uploadKey.startsWith(UPLOADS) ? uploadKey.substring(UPLOADS.length()) : uploadKey;
        int slash = rest.lastIndexOf('/');
        int dot = rest.lastIndexOf('.');
        return dot > slash + 1 ? rest.substring(0, dot) : rest;
    }

    /**
     * The folder that holds everything job {@code id} of upload {@code uploadKey} outputs, ending in '/':
     * {@code uploads/classic/cat.JPG} → {@code outputs/classic/cat.JPG-3f9a1c2b04de/}.
     */
    public static String outputPrefix(String uploadKey, JobId id) {
        String rest = uploadKey.startsWith(UPLOADS) ? uploadKey.substring(UPLOADS.length()) : uploadKey;
        return OUTPUTS + rest + "-" + id.value().substring(0, SHORT_ID) + "/";
    }

    /** {@link #outputPrefix} of a job. */
    public static String outputPrefix(Job job) {
        return outputPrefix(job.source().key(), job.jobId());
    }

    /** The keys of a job's image, preview and thumbnail. */
    public static Outputs outputs(String uploadKey, JobId id) {
        String prefix = outputPrefix(uploadKey, id);
        String base = outputName(uploadKey);
        base = base.substring(base.lastIndexOf('/') + 1);
        return new Outputs(prefix, prefix + base + ".dream.jpg", prefix + base + ".preview.jpg", prefix + base + ".thumb.jpg");
    }

    /** {@link #outputs(String, JobId)} of a job. */
    public static Outputs outputs(Job job) {
        return outputs(job.source().key(), job.jobId());
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
