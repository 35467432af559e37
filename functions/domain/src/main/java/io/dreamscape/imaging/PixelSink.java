package io.dreamscape.imaging;

/**
 * Where a streaming decode puts its samples: sRGB floats in [0,1], channel 0-2 (R, G, B), at displayed coordinates
 * relative to the decoded region. The engine's mapped float planes have exactly this method, so no decoded copy of
 * the image is ever held: {@code image::put}.
 */
@FunctionalInterface
public interface PixelSink {
    /** Copies {@code len} samples of channel {@code c} from {@code src[off..]} to row {@code y}, columns {@code x..}. */
    void put(int c, int y, int x, float[] src, int off, int len);
}
