package io.dreamscape.engine.tiles;

import io.dreamscape.job.Wrap;

/**
 * How each axis makes up pixels beyond the image: a 360° panorama wraps across its width (left meets right) and
 * mirrors at top and bottom (the poles do not meet each other); a seamless texture wraps both.
 */
public record Edges(EdgeMode x, EdgeMode y) {
    public static Edges both(EdgeMode mode) {
        return new Edges(mode, mode);
    }

    public static Edges of(Wrap wrap) {
        return new Edges(wrap.horizontal() ? EdgeMode.WRAP : EdgeMode.MIRROR,
                wrap.vertical() ? EdgeMode.WRAP : EdgeMode.MIRROR);
    }
}
