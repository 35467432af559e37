package io.dreamscape.job;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Octave geometry and the work it costs, computed identically by the plan (for the progress total) and the engine.
 * Like google/deepdream, each octave is the previous one shrunk by {@code octaveScale}; the list runs from the
 * smallest octave (dreamed first) to the full size.
 */
public final class OctaveSizes {
    private OctaveSizes() {
    }

    public record Size(int width, int height) {
        public long pixels() {
            return (long) width * height;
        }
    }

    public static List<Size> smallestFirst(int width, int height, int octaves, double octaveScale) {
        List<Size> sizes = new ArrayList<>();
        Size s = new Size(width, height);
        sizes.add(s);
        for (int i = 1; i < octaves; i++) {
            s = new Size(Math.max(1, (int) Math.round(s.width() / octaveScale)), Math.max(1, (int) Math.round(s.height() / octaveScale)));
            sizes.add(s);
        }
        Collections.reverse(sizes);
        return List.copyOf(sizes);
    }

    /**
     * Work units of a whole dream: one unit per pixel per step, summed over octaves. Progress counts the same units,
     * so done/total reaches exactly 1 when the last step of the last octave ends.
     */
    public static long totalWork(int width, int height, DreamParameters p) {
        long total = 0;
        for (Size s : smallestFirst(width, height, p.octaves(), p.octaveScale())) {
            total += s.pixels() * p.steps();
        }
        return total;
    }

    /** Work units finished after {@code stepsDone} steps of octave {@code octave} (where a resumed dream starts). */
    public static long workBefore(List<Size> smallestFirst, int steps, int octave, int stepsDone) {
        long u = 0;
        for (int i = 0; i < octave; i++) u += smallestFirst.get(i).pixels() * steps;
        return u + smallestFirst.get(octave).pixels() * stepsDone;
    }
}
