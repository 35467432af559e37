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

    /** Smallest window fed to the network: stride-32 layers need some spatial extent. */
    public static final int MIN_WINDOW = 64;
    /** Tile cuts fall on multiples of this from the range start (the largest stride of common networks). */
    public static final int GRID_ALIGN = 32;
    /** Upper bound of the context margin; measured choice, see {@link #contextMargin}. */
    public static final int MAX_CONTEXT_MARGIN = 16;

    /**
     * Context pixels added on every side of a tile's core when a step needs more than one tile along an axis
     * (the network sees them, only the core's gradient is kept): {@code min(16, tile / 4)}. Chosen from the seam
     * score (docs/benchmarks.md, MobileNetV2 mid layer, tile 128): aligned cuts alone 1.39, +16 px 1.20/1.22,
     * +32 px 1.20/1.16 (untiled 1.34/1.29), so 16 px buys nearly all of it for 13 % more pixels at tile 512.
     */
    public static int contextMargin(int tile) {
        return Math.min(MAX_CONTEXT_MARGIN, tile / 4);
    }

    /**
     * One axis of a step's tile grid: the windows as {@code {windowStart, windowLength, coreStart, coreLength}} in
     * coordinates that may lie outside {@code [0, n)}. The engine's tile scheduler and the work count both use this,
     * so the plan counts exactly the windows the engine computes.
     * <ul>
     * <li>jitter: the covered range starts {@code shift} pixels before the image ({@code shift} in [0, jitter]); with
     * wrap it is {@code [-shift, n - shift)} (google/deepdream's {@code np.roll}), without it
     * {@code [-shift, n + jitter - shift)}, mirrored beyond the borders;</li>
     * <li>a range that fits in one tile is one window without margin (exactly the classic untiled step);</li>
     * <li>otherwise cores are cut every {@code tile} pixels from {@code phase}, and each window is its core plus
     * {@link #contextMargin} on both sides, widened further to {@code minWindow} for short end pieces.</li>
     * </ul>
     */
    public static int[][] axisWindows(int n, int tile, int jitter, boolean wrap, int minWindow, int shift, int phase) {
        int start = -Math.min(shift, jitter);
        int length = n + (wrap ? 0 : jitter);
        int end = start + length;
        int min = Math.min(minWindow, tile);
        if (length <= tile) {
            return new int[][] {widenBoth(start, length, min)};
        }
        int margin = contextMargin(tile);
        List<int[]> spans = new ArrayList<>();
        int c = Math.floorMod(phase, tile);
        int from = start;
        for (long k = 0; from < end; k++) {
            // Cuts fall on multiples of GRID_ALIGN from the range start and every window has the same margin, so all
            // windows of a step start at the same phase of a stride-32 grid: the network sees each pixel at the same
            // phase in every tile (otherwise the detail's own grid pattern changes at tile borders and shows as a
            // line; measured: this alone took the seam score from ~1.8 to 1.39).
            long cut = start + (c + k * tile) / GRID_ALIGN * GRID_ALIGN;
            int to = (int) Math.min(end, cut);
            if (to <= from) continue;
            spans.add(widen(from, to - from, margin, min));
            from = to;
        }
        return spans.toArray(new int[0][]);
    }

    /** Core plus margin on both sides, grown at its end to {@code minWindow} (the start stays on the grid). */
    private static int[] widen(int coreStart, int coreLength, int margin, int minWindow) {
        int windowLength = Math.max(minWindow, coreLength + 2 * margin);
        return new int[] {coreStart - margin, windowLength, coreStart, coreLength};
    }

    /** The single window of a range that fits in one tile: widened evenly to {@code minWindow} if shorter. */
    private static int[] widenBoth(int start, int length, int minWindow) {
        int extra = Math.max(0, minWindow - length);
        return new int[] {start - extra / 2, length + extra, start, length};
    }

    /**
     * Work units of one step of an octave: the pixels of all windows the network sees (cores plus context), for the
     * grid drawn with no jitter shift and phase 0. A step whose random draw gives another grid still counts exactly
     * this much (the engine spreads it over its windows in proportion), so the total is known before the dream.
     */
    public static long stepWork(int width, int height, DreamParameters p) {
        return axisWork(width, p, p.wrap().horizontal()) * axisWork(height, p, p.wrap().vertical());
    }

    /** Windows per step across the width (the grid drawn with no jitter shift and phase 0). */
    public static int windowsAcross(int width, DreamParameters p) {
        return axisWindows(width, p.tile(), p.jitter(), p.wrap().horizontal(), MIN_WINDOW, 0, 0).length;
    }

    /** Windows per step down the height (the grid drawn with no jitter shift and phase 0). */
    public static int windowsDown(int height, DreamParameters p) {
        return axisWindows(height, p.tile(), p.jitter(), p.wrap().vertical(), MIN_WINDOW, 0, 0).length;
    }

    private static long axisWork(int n, DreamParameters p, boolean wrap) {
        long sum = 0;
        for (int[] w : axisWindows(n, p.tile(), p.jitter(), wrap, MIN_WINDOW, 0, 0)) sum += w[1];
        return sum;
    }

    /**
     * Work units of a whole dream: {@link #stepWork} per step, summed over octaves. Progress counts the same units,
     * so done/total reaches exactly 1 when the last step of the last octave ends.
     */
    public static long totalWork(int width, int height, DreamParameters p) {
        long total = 0;
        for (Size s : smallestFirst(width, height, p.octaves(), p.octaveScale())) {
            total += stepWork(s.width(), s.height(), p) * p.steps();
        }
        return total;
    }

    /** Work units finished after {@code stepsDone} steps of octave {@code octave} (where a resumed dream starts). */
    public static long workBefore(List<Size> smallestFirst, DreamParameters p, int octave, int stepsDone) {
        long u = 0;
        for (int i = 0; i < octave; i++) {
            Size s = smallestFirst.get(i);
            u += stepWork(s.width(), s.height(), p) * p.steps();
        }
        Size s = smallestFirst.get(octave);
        return u + stepWork(s.width(), s.height(), p) * stepsDone;
    }
}
