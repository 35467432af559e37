package io.dreamscape.engine.tiles;

/**
 * One tile's extent along one axis, in image coordinates that may lie outside the image.
 * The network sees {@code [windowStart, windowStart + windowLength)}; the gradient of
 * {@code [coreStart, coreStart + coreLength)} is written back (for coordinates that belong to the image: with wrap,
 * every coordinate does, modulo the image size; without, only those in {@code [0, size)}).
 */
public record AxisSpan(int windowStart, int windowLength, int coreStart, int coreLength) {
    public int windowEnd() {
        return windowStart + windowLength;
    }

    public int coreEnd() {
        return coreStart + coreLength;
    }
}
