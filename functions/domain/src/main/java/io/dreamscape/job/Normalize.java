package io.dreamscape.job;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * How a step's gradient is scaled before the update. {@code mean}: google/deepdream's single normaliser, the mean
 * |gradient| over the whole image. {@code laplacian}: the TensorFlow tutorial's Laplacian-pyramid normalisation, each
 * frequency band divided by its own root-mean-square, with the band statistics taken over the whole image in the same
 * step (never per tile, which would bring back tile-shaped blotches).
 */
public enum Normalize {
    MEAN, LAPLACIAN;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Normalize of(String value) {
        if (value == null) return null;
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "mean": return MEAN;
            case "laplacian": case "lap": return LAPLACIAN;
            default: throw new ParameterException("normalize is '" + value + "'; allowed \"mean\" (one normaliser, the"
                    + " mean |gradient| of the whole image) or \"laplacian\" (each frequency band normalised over the whole image)");
        }
    }
}
