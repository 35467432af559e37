package io.dreamscape.job;

import java.util.ArrayList;
import java.util.List;

/**
 * One octave of the whole image as the plan sees it: its size, the windows one step computes ({@code tilesX × tilesY},
 * the engine's own grid: jitter range, context margins and end pieces included, drawn with phase 0), the steps, and
 * its work units (the pixels of those windows × steps, {@link OctaveSizes#stepWork}).
 * Informational for people and cost estimates; each shard's worker computes the same for its own halo rectangle.
 */
public record OctavePass(int octave, int width, int height, int tilesX, int tilesY, int steps, long work) {

    public int tilePasses() {
        return tilesX * tilesY * steps;
    }

    public static List<OctavePass> of(int width, int height, DreamParameters p) {
        List<OctavePass> passes = new ArrayList<>();
        int i = 0;
        for (OctaveSizes.Size s : OctaveSizes.smallestFirst(width, height, p.octaves(), p.octaveScale())) {
            int tx = OctaveSizes.windowsAcross(s.width(), p);
            int ty = OctaveSizes.windowsDown(s.height(), p);
            passes.add(new OctavePass(i++, s.width(), s.height(), tx, ty, p.steps(),
                    OctaveSizes.stepWork(s.width(), s.height(), p) * p.steps()));
        }
        return List.copyOf(passes);
    }
}
