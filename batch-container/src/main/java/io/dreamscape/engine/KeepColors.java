package io.dreamscape.engine;

import io.dreamscape.engine.storage.FloatPlanes;

/**
 * neural-dream's original-colours option: the dream keeps only its luminance, the colours come from the input.
 * Per pixel in YCbCr (Rec. 601 luma): the result has the dream's Y and the input's Cb and Cr. Since Cb and Cr are
 * multiples of B−Y and R−Y, that is simply {@code out_c = in_c + (Y_dream − Y_in)} for each channel, clipped to
 * [0, 1] (only clipped pixels lose a little chroma). Works row by row on the mapped planes: one row of each channel
 * on the heap, whatever the image size.
 */
final class KeepColors {
    static final float KR = 0.299f;
    static final float KG = 0.587f;
    static final float KB = 0.114f;

    private KeepColors() {
    }

    /** Replaces {@code dream}'s chroma by {@code input}'s, in place; both have the same size. */
    static void apply(FloatPlanes input, FloatPlanes dream) {
        if (input.width() != dream.width() || input.height() != dream.height()) {
            throw new IllegalArgumentException("keep-colours needs the input and the dream at the same size");
        }
        int w = input.width();
        float[][] in = new float[3][w];
        float[][] out = new float[3][w];
        for (int y = 0; y < input.height(); y++) {
            for (int c = 0; c < 3; c++) {
                input.getRow(c, y, in[c]);
                dream.getRow(c, y, out[c]);
            }
            for (int x = 0; x < w; x++) {
                float dy = luma(out[0][x], out[1][x], out[2][x]) - luma(in[0][x], in[1][x], in[2][x]);
                for (int c = 0; c < 3; c++) out[c][x] = Math.min(1f, Math.max(0f, in[c][x] + dy));
            }
            for (int c = 0; c < 3; c++) dream.putRow(c, y, out[c]);
        }
    }

    static float luma(float r, float g, float b) {
        return KR * r + KG * g + KB * b;
    }
}
