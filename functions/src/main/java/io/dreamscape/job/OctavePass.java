package io.dreamscape.job;

import java.util.ArrayList;
import java.util.List;

/**
 * One octave of the whole image as the plan sees it: its size, the tiles one step covers ({@code tilesX × tilesY}
 * tiles of {@code tile} pixels, before jitter), the steps, and its work units ({@code width × height × steps}).
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
            int tx = (s.width() + p.tile() - 1) / p.tile();
            int ty = (s.height() + p.tile() - 1) / p.tile();
            passes.add(new OctavePass(i++, s.width(), s.height(), tx, ty, p.steps(), s.pixels() * p.steps()));
        }
        return List.copyOf(passes);
    }
}
