package io.dreamscape.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.JobId;
import io.dreamscape.job.OctavePass;
import io.dreamscape.job.OctaveSizes;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Shard;
import io.dreamscape.job.Source;
import io.dreamscape.job.StorageLayout;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a job would cost before it runs: the plan the workflow's {@link Planner} makes for an image of this size with
 * these parameters — octaves, tile passes, shards, work units, GPU-seconds, wall time, dollars — and an estimate of
 * each worker's peak memory. Used by {@code dreamscape plan} and by the page's quote endpoint, so all three (CLI, page,
 * workflow) give the same numbers.
 *
 * <p><b>Worker memory</b> is estimated from the CPU measurements in docs/benchmarks.md: about 700 MiB for the JVM and
 * libtorch whatever the image, plus the decoded 8-bit input of the shard's halo rectangle (3 bytes/pixel, held while it
 * is copied into the working planes), plus one tile window's activations; scratch disk is about 12 bytes/pixel of the
 * largest octave plus the octave pyramid. GPU memory is not modelled here (it depends on the network and the tile).
 */
public final class QuoteService {
    static final long BASE_BYTES = 700L << 20;
    static final long DECODE_BYTES_PER_PIXEL = 3;
    static final long SCRATCH_BYTES_PER_PIXEL = 12;
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    /** A fixed id and source: the plan's numbers do not depend on them. */
    private static final JobId QUOTE_ID = JobId.of("0".repeat(32));

    private final Planner planner;
    private final PlannerConfig config;
    private final Limits limits;

    public QuoteService(PlannerConfig config, Limits limits) {
        this.config = config;
        this.planner = new Planner(config);
        this.limits = limits;
    }

    /** The plan the workflow would make (the seed does not change it; 0 stands in when none is given). */
    public Plan plan(String format, int width, int height, DreamParameters p) {
        DreamParameters seeded = p.seed() == null ? p.withSeed(0L) : p;
        return planner.plan(QUOTE_ID, new Source("quote", "uploads/quote", null, "quote", 0), format, width, height,
                seeded, Instant.EPOCH);
    }

    /** The quote document (field names as in the plan, plus {@code workers}). */
    public Map<String, Object> quote(String format, int width, int height, DreamParameters p) {
        return document(plan(format, width, height, p));
    }

    public Map<String, Object> document(Plan plan) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("width", plan.width());
        m.put("height", plan.height());
        m.put("megapixels", Math.round(plan.width() * (double) plan.height() / 1e5) / 10.0);
        List<Map<String, Object>> octaves = new ArrayList<>();
        for (OctavePass o : plan.passes()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("octave", o.octave());
            x.put("width", o.width());
            x.put("height", o.height());
            x.put("tiles", o.tilesX() * o.tilesY());
            x.put("steps", o.steps());
            x.put("work", o.work());
            octaves.add(x);
        }
        m.put("octaves", octaves);
        m.put("shardCount", plan.shardCount());
        m.put("devices", plan.devices()); // GPUs the one shard runs on together (multi-GPU instance) or 1
        m.put("halo", plan.halo());
        List<Map<String, Object>> shards = new ArrayList<>();
        long maxHaloPixels = 0;
        for (Shard s : plan.shards()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("index", s.index());
            x.put("core", s.core());
            x.put("halo", s.halo());
            x.put("work", s.work());
            shards.add(x);
            maxHaloPixels = Math.max(maxHaloPixels, (long) s.halo().width() * s.halo().height());
        }
        m.put("shards", shards);
        // The base job decodes and shrinks the whole image: the largest input of a split dream's workers.
        if (plan.hasBase()) maxHaloPixels = (long) plan.width() * plan.height();
        // A split dream's base job: the whole image's low octaves, once, before the shards (0 octaves: none).
        m.put("baseOctaves", plan.baseOctaves());
        m.put("baseWork", plan.baseWork());
        m.put("totalWork", plan.totalWork());
        m.put("estimate", plan.estimate());
        Map<String, Object> workers = new LinkedHashMap<>();
        int tile = plan.parameters().tile() + 2 * plan.parameters().jitter();
        workers.put("peakMemoryBytes", BASE_BYTES + DECODE_BYTES_PER_PIXEL * maxHaloPixels + 64L * tile * tile * 4);
        workers.put("scratchBytes", scratchBytes(plan, maxHaloPixels));
        workers.put("basis", "CPU measurements in docs/benchmarks.md: ~700 MiB JVM + libtorch, 3 bytes/pixel of the "
                + "largest shard while decoding; scratch ~12 bytes/pixel of each octave");
        m.put("workers", workers);
        m.put("parameters", plan.parameters());
        return m;
    }

    private static long scratchBytes(Plan plan, long maxHaloPixels) {
        double area = 0;
        double whole = plan.width() * (double) plan.height();
        for (OctavePass o : plan.passes()) {
            area += o.width() * (double) o.height() / whole;
        }
        return Math.round(SCRATCH_BYTES_PER_PIXEL * maxHaloPixels * area);
    }

    /** Lays an upload's own parameters JSON over a deployment's defaults (local mode's); identity in the cloud. */
    public interface Defaults {
        String apply(String uploadKey, String ownJson);
    }

    /**
     * The page's quote request: {@code {"width": W, "height": H, "format"?: "JPEG", "preset"?: "classic",
     * "parameters"?: {...}}}. Parameters resolve exactly as an upload's do (defaults, the preset's folder, then the
     * JSON), with the same messages.
     *
     * @throws Rejection with a sentence for anything unusable
     */
    public Map<String, Object> quoteRequest(byte[] body, Defaults defaults) throws Rejection {
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new Rejection("the quote request is not JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new Rejection("the quote request could not be read: " + e.getMessage());
        }
        if (n == null || !n.isObject()) {
            throw new Rejection("the quote request must be a JSON object with width, height and parameters");
        }
        int width = dimension(n, "width");
        int height = dimension(n, "height");
        JsonNode presetNode = n.get("preset");
        if (presetNode != null && !presetNode.isNull() && !presetNode.isTextual()) {
            throw new Rejection("preset must be a preset's name such as \"classic\"");
        }
        String preset = presetNode == null || presetNode.isNull() || presetNode.asText().isBlank() ? null : presetNode.asText();
        String key = StorageLayout.UPLOADS + (preset == null ? "" : preset + "/") + "quote.jpg";
        preset = UploadParameters.presetOf(key);
        JsonNode params = n.get("parameters");
        if (params != null && !params.isNull() && !params.isObject()) {
            throw new Rejection("parameters must be a JSON object such as {\"steps\": 20}");
        }
        String own = params == null || params.isNull() ? null : params.toString();
        DreamParameters p = UploadParameters.resolve(preset, defaults == null ? own : defaults.apply(key, own));
        long maxPixels = Math.min(limits.maxPixels(), p.maxPixels());
        if ((long) width * height > maxPixels) {
            throw new Rejection(String.format(Locale.ROOT,
                    "image is %d×%d = %.1f megapixels; the limit is %.1f megapixels", width, height,
                    width * (double) height / 1e6, maxPixels / 1e6));
        }
        long work = OctaveSizes.totalWork(width, height, p);
        if (work > limits.maxTotalWork()) {
            throw new Rejection(String.format(Locale.ROOT,
                    "this run would be %,d work units (%d×%d pixels, %d steps, %d octaves); the limit is %,d: lower steps, octaves or the image size",
                    work, width, height, p.steps(), p.octaves(), limits.maxTotalWork()));
        }
        String format = n.path("format").isTextual() ? n.get("format").asText() : "JPEG";
        return quote(format, width, height, p);
    }

    private static int dimension(JsonNode n, String name) throws Rejection {
        JsonNode v = n.get(name);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 1) {
            throw new Rejection(name + " must be a whole number of pixels, at least 1 (got " + (v == null ? "nothing" : v) + ")");
        }
        return v.asInt();
    }

    public PlannerConfig config() {
        return config;
    }
}
