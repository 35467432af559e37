package io.dreamscape.job;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Which image edges meet. {@code x}: left and right (a 360° panorama; top and bottom are mirrored, since the poles
 * do not meet each other), {@code xy}: both (a seamless texture), {@code none}: every edge mirrored.
 * In JSON a string; the booleans of the schema before per-axis wrap are still read ({@code true} = xy, {@code false}
 * = none), so older --params files, upload metadata and plan.json files keep their meaning.
 */
public enum Wrap {
    NONE, X, XY;

    public boolean horizontal() {
        return this != NONE;
    }

    public boolean vertical() {
        return this == XY;
    }

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Wrap of(Object value) {
        if (value == null) return null;
        if (value instanceof Boolean b) return b ? XY : NONE;
        if (value instanceof String s) {
            switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "x": return X;
                case "xy": case "yx": case "true": return XY;
                case "none": case "false": return NONE;
                default: break;
            }
        }
        throw new ParameterException("wrap is '" + value + "'; allowed \"x\" (360° panorama: left/right edges meet),"
                + " \"xy\" (seamless texture: all edges meet) or \"none\"");
    }
}
