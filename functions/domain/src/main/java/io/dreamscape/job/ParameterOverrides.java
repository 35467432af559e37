package io.dreamscape.job;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A partial set of dream parameters: every field may be absent. Layers of overrides are applied in one order
 * (defaults, site defaults, preset folder, a {@code --params} file or S3 metadata, command-line flags) by
 * {@link ParameterLayers}. The JSON names here are the one parameter schema. Build one by name with
 * {@link #builder()}.
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

    /** No overrides: every field absent. */
    public static final ParameterOverrides NONE = builder().build();

    /**
     * Named construction, so two {@code Integer}s (say {@code steps} and {@code tile}) cannot swap silently:
     * {@code ParameterOverrides.builder().octaves(2).tile(256).build()}; fields not set stay absent.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link ParameterOverrides}; each setter is named after the JSON field it sets. */
    public static final class Builder {
        private String model;
        private List<LayerWeight> layers;
        private String preset;
        private Integer octaves;
        private Double octaveScale;
        private Integer steps;
        private Double stepSize;
        private Integer jitter;
        private Integer tile;
        private Long seed;
        private Wrap wrap;
        private Integer quality;
        private Long maxPixels;
        private String deviceMemory;
        private Boolean keepColors;
        private String mask;
        private String guide;
        private Normalize normalize;

        private Builder() {
        }

        public Builder model(String value) {
            this.model = value;
            return this;
        }

        public Builder layers(List<LayerWeight> value) {
            this.layers = value;
            return this;
        }

        public Builder preset(String value) {
            this.preset = value;
            return this;
        }

        public Builder octaves(Integer value) {
            this.octaves = value;
            return this;
        }

        public Builder octaveScale(Double value) {
            this.octaveScale = value;
            return this;
        }

        public Builder steps(Integer value) {
            this.steps = value;
            return this;
        }

        public Builder stepSize(Double value) {
            this.stepSize = value;
            return this;
        }

        public Builder jitter(Integer value) {
            this.jitter = value;
            return this;
        }

        public Builder tile(Integer value) {
            this.tile = value;
            return this;
        }

        public Builder seed(Long value) {
            this.seed = value;
            return this;
        }

        public Builder wrap(Wrap value) {
            this.wrap = value;
            return this;
        }

        public Builder quality(Integer value) {
            this.quality = value;
            return this;
        }

        public Builder maxPixels(Long value) {
            this.maxPixels = value;
            return this;
        }

        public Builder deviceMemory(String value) {
            this.deviceMemory = value;
            return this;
        }

        public Builder keepColors(Boolean value) {
            this.keepColors = value;
            return this;
        }

        public Builder mask(String value) {
            this.mask = value;
            return this;
        }

        public Builder guide(String value) {
            this.guide = value;
            return this;
        }

        public Builder normalize(Normalize value) {
            this.normalize = value;
            return this;
        }

        public ParameterOverrides build() {
            return new ParameterOverrides(model, layers, preset, octaves, octaveScale, steps, stepSize, jitter, tile, seed,
                    wrap, quality, maxPixels, deviceMemory, keepColors, mask, guide, normalize);
        }
    }

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

    /** These overrides without {@code layers} (a preset folder's layers win over site defaults' layers). */
    public ParameterOverrides withoutLayers() {
        return new ParameterOverrides(model, null, preset, octaves, octaveScale, steps, stepSize, jitter, tile, seed, wrap,
                quality, maxPixels, deviceMemory, keepColors, mask, guide, normalize);
    }

    private static <T> T pick(T later, T earlier) {
        return later != null ? later : earlier;
    }
}
