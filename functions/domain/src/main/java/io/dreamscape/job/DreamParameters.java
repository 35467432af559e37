package io.dreamscape.job;

import java.util.ArrayList;
import java.util.List;

/**
 * The one parameter schema of Dreamscape, shared by {@code dreamscape dream --params}, the S3 metadata
 * {@code x-amz-meta-dreamscape}, presets and the plan. Units follow google/deepdream: {@code stepSize} in 0-255 units,
 * normalised by the mean absolute gradient; {@code octaveScale} > 1; {@code jitter} in pixels.
 *
 * <p>{@code layers} may be empty: the engine then takes the preset's layers or the network's default layer.
 * {@code seed} may be null: the run then draws one and records it, so any run can be repeated.
 * {@code deviceMemory} (bytes; in JSON a size such as {@code "512M"} or {@code "20G"}) may be null: the engine then
 * picks its default budget for the device. An octave whose working set fits it stays on the device for all its steps.
 * {@code wrap} says which edges meet ({@link Wrap}); {@code keepColors} keeps the input's chroma and takes only the
 * dream's luminance (neural-dream's original-colours option). {@code mask} names a greyscale image (white = full
 * strength, black = untouched), {@code guide} an image whose features the dream moves towards (google/deepdream's
 * guided objective); both may be null. {@code normalize} says how a step's gradient is scaled ({@link Normalize}).
 */
public record DreamParameters(
        String model,
        List<LayerWeight> layers,
        String preset,
        int octaves,
        double octaveScale,
        int steps,
        double stepSize,
        int jitter,
        int tile,
        Long seed,
        Wrap wrap,
        int quality,
        long maxPixels,
        Long deviceMemory,
        boolean keepColors,
        String mask,
        String guide,
        Normalize normalize) {

    public static final String DEFAULT_MODEL = "googlenet";
    /** Tiles smaller than this give stride-32 networks almost no spatial extent to work with. */
    public static final int MIN_TILE = 64;

    public DreamParameters {
        layers = layers == null ? List.of() : List.copyOf(layers);
        wrap = wrap == null ? Wrap.NONE : wrap;
        normalize = normalize == null ? Normalize.MEAN : normalize;
    }

    /** Parameters without mask, guide and normaliser (the schema before they existed). */
    public DreamParameters(String model, List<LayerWeight> layers, String preset, int octaves, double octaveScale, int steps,
                           double stepSize, int jitter, int tile, Long seed, Wrap wrap, int quality, long maxPixels,
                           Long deviceMemory, boolean keepColors) {
        this(model, layers, preset, octaves, octaveScale, steps, stepSize, jitter, tile, seed, wrap, quality, maxPixels,
                deviceMemory, keepColors, null, null, Normalize.MEAN);
    }

    /** Parameters without keep-colours (the schema before it existed). */
    public DreamParameters(String model, List<LayerWeight> layers, String preset, int octaves, double octaveScale, int steps,
                           double stepSize, int jitter, int tile, Long seed, Wrap wrap, int quality, long maxPixels,
                           Long deviceMemory) {
        this(model, layers, preset, octaves, octaveScale, steps, stepSize, jitter, tile, seed, wrap, quality, maxPixels,
                deviceMemory, false);
    }

    /** Parameters without a device memory budget (the engine then picks its default for the device). */
    public DreamParameters(String model, List<LayerWeight> layers, String preset, int octaves, double octaveScale, int steps,
                           double stepSize, int jitter, int tile, Long seed, boolean wrap, int quality, long maxPixels) {
        this(model, layers, preset, octaves, octaveScale, steps, stepSize, jitter, tile, seed, wrap ? Wrap.XY : Wrap.NONE,
                quality, maxPixels, null, false);
    }

    public static DreamParameters defaults() {
        return new DreamParameters(DEFAULT_MODEL, List.of(), null, 4, 1.4, 10, 1.5, 32, 512, null, false, 95,
                1_000_000_000L);
    }

    /** These parameters with every field that {@code o} sets replaced; a named preset is expanded first. */
    public DreamParameters with(ParameterOverrides o) {
        DreamParameters base = this;
        if (o.preset() != null) {
            base = base.apply(Presets.byName(o.preset()).overrides());
        }
        return base.apply(o);
    }

    private DreamParameters apply(ParameterOverrides o) {
        return new DreamParameters(
                o.model() != null ? o.model() : model,
                o.layers() != null ? o.layers() : layers,
                o.preset() != null ? o.preset() : preset,
                o.octaves() != null ? o.octaves() : octaves,
                o.octaveScale() != null ? o.octaveScale() : octaveScale,
                o.steps() != null ? o.steps() : steps,
                o.stepSize() != null ? o.stepSize() : stepSize,
                o.jitter() != null ? o.jitter() : jitter,
                o.tile() != null ? o.tile() : tile,
                o.seed() != null ? o.seed() : seed,
                o.wrap() != null ? o.wrap() : wrap,
                o.quality() != null ? o.quality() : quality,
                o.maxPixels() != null ? o.maxPixels() : maxPixels,
                o.deviceMemory() != null ? Long.valueOf(ByteSize.parse("deviceMemory", o.deviceMemory())) : deviceMemory,
                o.keepColors() != null ? o.keepColors() : keepColors,
                o.mask() != null ? o.mask() : mask,
                o.guide() != null ? o.guide() : guide,
                o.normalize() != null ? o.normalize() : normalize);
    }

    public DreamParameters withSeed(long newSeed) {
        return apply(new ParameterOverrides(null, null, null, null, null, null, null, null, null, newSeed, null, null, null));
    }

    /** Every bound at once, so a user fixes all mistakes in one go. */
    public DreamParameters validated() {
        List<String> problems = new ArrayList<>();
        if (model == null || model.isBlank()) problems.add("model is empty (use 'googlenet' or a path to a TorchScript .pt file)");
        if (octaves < 1 || octaves > 12) problems.add("octaves is " + octaves + "; allowed 1 to 12");
        if (!(octaveScale > 1.0 && octaveScale <= 4.0)) problems.add("octaveScale is " + octaveScale + "; allowed above 1.0 up to 4.0");
        if (steps < 1 || steps > 500) problems.add("steps is " + steps + "; allowed 1 to 500 per octave");
        if (!(stepSize > 0 && stepSize <= 50)) problems.add("stepSize is " + stepSize + "; allowed above 0 up to 50 (0-255 units)");
        if (jitter < 0 || jitter > 256) problems.add("jitter is " + jitter + "; allowed 0 to 256 pixels");
        if (tile < MIN_TILE || tile > 4096) problems.add("tile is " + tile + "; allowed " + MIN_TILE + " to 4096 pixels");
        if (quality < 1 || quality > 100) problems.add("quality is " + quality + "; allowed 1 to 100");
        if (maxPixels < 1 || maxPixels > 10_000_000_000L) problems.add("maxPixels is " + maxPixels + "; allowed 1 to 10,000,000,000");
        if (deviceMemory != null && deviceMemory < 0) problems.add("deviceMemory is negative");
        if (layers.size() > 16) problems.add(layers.size() + " layers requested; at most 16");
        if (mask != null && mask.isBlank()) problems.add("mask is empty (name a greyscale image: white = full strength, black = untouched)");
        if (guide != null && guide.isBlank()) problems.add("guide is empty (name an image whose features the dream should take on)");
        if (!problems.isEmpty()) {
            throw new ParameterException("invalid parameters: " + String.join("; ", problems));
        }
        return this;
    }
}
