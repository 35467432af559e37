package io.dreamscape.engine;

import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.storage.Resampler;
import io.dreamscape.engine.tiles.Tile;
import io.dreamscape.engine.tiles.TileScheduler;
import io.dreamscape.job.OctaveSizes;
import java.util.List;

/**
 * Where a dream's octaves, their bases and each step's tiles come from. {@link #WHOLE_IMAGE} is the classic dream of
 * one image; {@code io.dreamscape.engine.region.RegionGeometry} dreams one shard's region of a larger image in that
 * image's own coordinates (its octaves, its tile grid), so that two shards compute their overlap the same way.
 * Octave indices here are the engine's (0 = the first octave this engine dreams).
 */
public interface OctaveGeometry {
    /** The sizes of the octaves this engine dreams, smallest first; the last one is the input's size. */
    List<OctaveSizes.Size> sizes(int width, int height, int octaves, double octaveScale);

    /** {@code coarser} = octave {@code k}'s base, from octave {@code k + 1}'s base {@code finer}. */
    void downscale(FloatPlanes finer, int k, FloatPlanes coarser);

    /** {@code next} = octave {@code k}'s base plus the detail dreamed at octave {@code k - 1} (working − its base). */
    void transfer(FloatPlanes working, FloatPlanes previousBase, FloatPlanes base, int k, FloatPlanes next);

    /** The working image the first octave starts from (the base itself, or the base plus detail dreamed elsewhere). */
    void start(FloatPlanes firstBase, FloatPlanes working);

    /** The tiles of step {@code step} of octave {@code k} over a {@code width × height} working image. */
    List<Tile> tiles(TileScheduler scheduler, long seed, int k, int step, int width, int height);

    /** One image, dreamed whole: google/deepdream's pyramid and the engine's random tile grid. */
    OctaveGeometry WHOLE_IMAGE = new OctaveGeometry() {
        @Override
        public List<OctaveSizes.Size> sizes(int width, int height, int octaves, double octaveScale) {
            return OctaveSizes.smallestFirst(width, height, octaves, octaveScale);
        }

        @Override
        public void downscale(FloatPlanes finer, int k, FloatPlanes coarser) {
            Resampler.resize(finer, coarser);
        }

        @Override
        public void transfer(FloatPlanes working, FloatPlanes previousBase, FloatPlanes base, int k, FloatPlanes next) {
            Resampler.transfer(working, previousBase, base, next);
        }

        @Override
        public void start(FloatPlanes firstBase, FloatPlanes working) {
            working.copyFrom(firstBase);
        }

        @Override
        public List<Tile> tiles(TileScheduler scheduler, long seed, int k, int step, int width, int height) {
            return scheduler.tiles(width, height, scheduler.draw(DreamEngine.stepRandom(seed, k, step)));
        }
    };
}
