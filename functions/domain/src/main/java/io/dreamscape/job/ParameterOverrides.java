package io.dreamscape.job;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A partial set of dream parameters: every field may be absent. Layers of overrides are applied in order
 * (defaults, then preset, then a {@code --params} file or S3 metadata, then command-line flags) by
 * {@link DreamParameters#with(ParameterOverrides)}. The JSON names here are the one parameter schema.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ParameterOverrides(
        String model,
        @JsonAlias("layer") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<LayerWeight> layers,
        String preset,
        Integer octaves,
        Double octaveScale,
        Integer steps,
        Double stepSize,
        Integer jitter,
        Integer tile,
        Long seed,
        Wrap wrap,
        Integer quality,
        Long maxPixels,
        String deviceMemory,
        Boolean keepColors,
        String mask,
        String guide,
        Normalize normalize) {

    /** The overrides without mask, guide and normaliser (the schema before they existed). */
    public ParameterOverrides(String model, List<LayerWeight> layers, String preset, Integer octaves, Double octaveScale,
                              Integer steps, Double stepSize, Integer jitter, Integer tile, Long seed, Wrap wrap,
                              Integer quality, Long maxPixels, String deviceMemory, Boolean keepColors) {
        this(model, layers, preset, octaves, octaveScale, steps, stepSize, jitter, tile, seed, wrap, quality, maxPixels,
                deviceMemory, keepColors, null, null, null);
    }

    /** The overrides without keep-colours (the schema before it existed). */
    public ParameterOverrides(String model, List<LayerWeight> layers, String preset, Integer octaves, Double octaveScale,
                              Integer steps, Double stepSize, Integer jitter, Integer tile, Long seed, Wrap wrap,
                              Integer quality, Long maxPixels, String deviceMemory) {
        this(model, layers, preset, octaves, octaveScale, steps, stepSize, jitter, tile, seed, wrap, quality, maxPixels,
                deviceMemory, null);
    }

    /** The overrides without a device memory budget (the schema before it existed). */
    public ParameterOverrides(String model, List<LayerWeight> layers, String preset, Integer octaves, Double octaveScale,
                              Integer steps, Double stepSize, Integer jitter, Integer tile, Long seed, Wrap wrap,
                              Integer quality, Long maxPixels) {
        this(model, layers, preset, octaves, octaveScale, steps, stepSize, jitter, tile, seed, wrap, quality, maxPixels, null, null);
    }

    public static final ParameterOverrides NONE =
            new ParameterOverrides(null, null, null, null, null, null, null, null, null, null, (Wrap) null, null, null);

    /** Overrides of {@code this}, then {@code later} on top. */
    public ParameterOverrides then(ParameterOverrides later) {
        return new ParameterOverrides(
                pick(later.model, model), pick(later.layers, layers), pick(later.preset, preset),
                pick(later.octaves, octaves), pick(later.octaveScale, octaveScale), pick(later.steps, steps),
                pick(later.stepSize, stepSize), pick(later.jitter, jitter), pick(later.tile, tile),
                pick(later.seed, seed), pick(later.wrap, wrap), pick(later.quality, quality),
                pick(later.maxPixels, maxPixels), pick(later.deviceMemory, deviceMemory),
                pick(later.keepColors, keepColors), pick(later.mask, mask), pick(later.guide, guide),
                pick(later.normalize, normalize));
    }

    private static <T> T pick(T later, T earlier) {
        return later != null ? later : earlier;
    }
}
