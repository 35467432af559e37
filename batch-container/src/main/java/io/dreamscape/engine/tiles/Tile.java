package io.dreamscape.engine.tiles;

/** A rectangular tile of one step: the window fed to the network and the core whose gradient is kept. */
public record Tile(AxisSpan x, AxisSpan y) {
    public long windowPixels() {
        return (long) x.windowLength() * y.windowLength();
    }
}
