package io.dreamscape.engine.tiles;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dreamscape.job.OctaveSizes;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TileSchedulerTest {

    @ParameterizedTest(name = "{0}x{1} tile {2} jitter {3} {4}")
    @CsvSource({
            "1,1,512,32,MIRROR", "1,1,512,32,WRAP", "511,513,512,32,MIRROR", "511,513,512,32,WRAP",
            "3000,17,512,32,MIRROR", "3000,17,512,32,WRAP", "512,512,512,0,MIRROR", "1000,1000,64,32,MIRROR",
            "777,333,128,48,WRAP", "64,64,64,32,MIRROR"})
    void everyPixelGetsGradientExactlyOnceOnEveryStep(int w, int h, int tile, int jitter, EdgeMode edges) {
        TileScheduler s = new TileScheduler(tile, jitter, edges, 64);
        SplittableRandom rng = new SplittableRandom(42);
        for (int step = 0; step < 200; step++) {
            List<Tile> tiles = s.tiles(w, h, s.draw(rng));
            int[] hits = new int[w * h];
            for (Tile t : tiles) {
                int most = Math.max(tile + 2 * OctaveSizes.contextMargin(tile), 64);
                assertTrue(t.x().windowLength() <= most && t.y().windowLength() <= most,
                        "window larger than the tile and its context: " + t);
                for (AxisSpan a : List.of(t.x(), t.y())) {
                    int before = a.coreStart() - a.windowStart();
                    int after = a.windowEnd() - a.coreEnd();
                    boolean single = (edges == EdgeMode.WRAP ? a == t.x() ? w : h : (a == t.x() ? w : h) + jitter) <= tile;
                    if (!single) {
                        assertTrue(before >= OctaveSizes.contextMargin(tile) && after >= OctaveSizes.contextMargin(tile),
                                "a core without its context margin: " + t);
                    }
                }
                assertTrue(t.x().windowLength() >= Math.min(64, tile) && t.y().windowLength() >= Math.min(64, tile),
                        "window smaller than the minimum: " + t);
                for (int[] ry : TileIO.runs(t.y(), h, edges)) {
                    for (int[] rx : TileIO.runs(t.x(), w, edges)) {
                        for (int y = ry[1]; y < ry[1] + ry[2]; y++) {
                            for (int x = rx[1]; x < rx[1] + rx[2]; x++) {
                                hits[y * w + x]++;
                            }
                        }
                    }
                }
            }
            for (int i = 0; i < hits.length; i++) {
                assertEquals(1, hits[i], "pixel " + (i % w) + "," + (i / w) + " at step " + step);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"4096,512,32", "2000,300,16"})
    void tileBordersMoveFromStepToStep(int n, int tile, int jitter) {
        TileScheduler s = new TileScheduler(tile, jitter, EdgeMode.MIRROR, 64);
        SplittableRandom rng = new SplittableRandom(7);
        java.util.Set<Integer> firstInteriorBorders = new java.util.HashSet<>();
        for (int i = 0; i < 50; i++) {
            List<Tile> tiles = s.tiles(n, n, s.draw(rng));
            firstInteriorBorders.add(tiles.get(0).x().coreEnd());
        }
        assertTrue(firstInteriorBorders.size() > 30, "borders should land in many places: " + firstInteriorBorders.size());
    }

    @ParameterizedTest
    @CsvSource({"100,80,512,32", "480,480,512,32"})
    void anImageThatFitsIsOneTileShiftedByTheJitter(int w, int h, int tile, int jitter) {
        TileScheduler s = new TileScheduler(tile, jitter, EdgeMode.MIRROR, 64);
        TileScheduler.Draws d = new TileScheduler.Draws(5, 9, 100, 200);
        List<Tile> tiles = s.tiles(w, h, d);
        assertEquals(1, tiles.size());
        assertEquals(-5, tiles.get(0).x().coreStart());
        assertEquals(w + jitter, tiles.get(0).x().coreLength());
        assertEquals(-9, tiles.get(0).y().coreStart());
    }

    @org.junit.jupiter.api.Test
    void mirrorNeverTakesPixelsFromTheOppositeEdgeButWrapDoes() {
        assertEquals(0, EdgeMode.MIRROR.source(-1, 10));
        assertEquals(2, EdgeMode.MIRROR.source(-3, 10));
        assertEquals(9, EdgeMode.MIRROR.source(10, 10));
        assertEquals(7, EdgeMode.MIRROR.source(12, 10));
        assertEquals(0, EdgeMode.MIRROR.source(-5, 1));
        assertEquals(9, EdgeMode.WRAP.source(-1, 10));
        assertEquals(0, EdgeMode.WRAP.source(10, 10));
    }

    @ParameterizedTest(name = "{0}x{1} tile {2} jitter {3} wrap {4}")
    @CsvSource({"4096,4096,512,32,false", "1000,700,128,16,true", "300,200,512,32,false", "5000,90,256,48,false"})
    void planCountsExactlyTheWindowsTheSchedulerComputes(int w, int h, int tile, int jitter, boolean wrap) {
        var p = io.dreamscape.job.DreamParameters.defaults().with(io.dreamscape.job.ParameterOverrides.builder()
                .octaves(1).steps(1).jitter(jitter).tile(tile).seed(1L).wrap(io.dreamscape.job.Wrap.of(wrap))
                .build());
        TileScheduler s = new TileScheduler(tile, jitter, wrap ? EdgeMode.WRAP : EdgeMode.MIRROR, OctaveSizes.MIN_WINDOW);
        List<Tile> tiles = s.tiles(w, h, new TileScheduler.Draws(0, 0, 0, 0));
        long pixels = tiles.stream().mapToLong(Tile::windowPixels).sum();
        assertEquals(pixels, OctaveSizes.stepWork(w, h, p));
        assertEquals(tiles.size(), OctaveSizes.windowsAcross(w, p) * OctaveSizes.windowsDown(h, p));
    }
}
