package io.dreamscape.engine;

import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.storage.Resampler;
import io.dreamscape.engine.tiles.Edges;
import io.dreamscape.engine.tiles.Tile;
import io.dreamscape.engine.tiles.TileIO;
import io.dreamscape.engine.tiles.TileScheduler;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.Normalize;
import io.dreamscape.job.OctaveSizes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * DeepDream over octaves and random-offset tiles, with the image kept in memory-mapped scratch storage.
 *
 * <p>Per octave (smallest first, as google/deepdream): the detail dreamed so far is upscaled onto this octave's base;
 * then {@code steps} gradient-ascent steps. Per step: the {@link TileScheduler} draws a jitter shift and a tile grid
 * phase; every tile's gradient is written into a gradient image; then one normaliser, the mean |gradient| over the
 * whole image, scales the update {@code x += stepSize/255 · g / mean|g|}, clipped to [0,1]. Computing all tiles
 * before updating any makes a tiled step identical to an untiled one wherever the network's view is the same, and
 * the single normaliser makes it seamless (a per-tile normaliser would give each tile its own brightness of detail).
 */
public final class DreamEngine {
    /** Smallest window fed to the network: stride-32 layers need some spatial extent. */
    public static final int MIN_WINDOW = OctaveSizes.MIN_WINDOW;

    private final GradientStep gradients;
    private final DeviceQueue devices;
    private final DreamParameters params;
    private final Path scratch;
    private final TileScheduler scheduler;
    private final Edges edges;
    private final int workers;
    private ParallelRows pool;
    private final long budget;
    private final DeviceTransfers transfers = new DeviceTransfers();
    private OctaveGeometry geometry = OctaveGeometry.WHOLE_IMAGE;
    private final LaplacianNormalizer laplacian; // null: the mean normaliser
    private final FloatPlanes maskPlane;
    private Mask.Level octaveMask;
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(DreamEngine.class.getName());

    public DreamEngine(GradientStep gradients, DreamParameters params, Path scratch) {
        this(List.of(gradients), params, scratch, null);
    }

    /**
     * With {@code mask} (one plane of the dreamed image's size, see {@link io.dreamscape.engine.storage.MaskInput};
     * the caller keeps and closes it): required when {@code params.mask()} names one, else null.
     */
    public DreamEngine(GradientStep gradients, DreamParameters params, Path scratch, FloatPlanes mask) {
        this(List.of(gradients), params, scratch, mask);
    }

    public DreamEngine(List<GradientStep> devices, DreamParameters params, Path scratch) {
        this(devices, params, scratch, null);
    }

    /**
     * One image on several devices, one {@link GradientStep} each ({@link DeviceQueue}): windows go to whichever
     * device is free, sums and the one normaliser are taken on one thread in tile order, so the result is the
     * single-device result. {@code mask}: as above (null when the parameters name none).
     */
    public DreamEngine(List<GradientStep> devices, DreamParameters params, Path scratch, FloatPlanes mask) {
        if (params.seed() == null) throw new IllegalArgumentException("the engine needs a seed; draw one before");
        if ((params.mask() != null) != (mask != null)) {
            throw new IllegalArgumentException("the parameters name mask " + params.mask() + " but the engine got "
                    + (mask == null ? "no mask plane" : "a mask plane"));
        }
        this.maskPlane = mask;
        GradientStep gradients = devices.get(0);
        this.gradients = gradients;
        this.params = params;
        this.scratch = scratch;
        this.edges = Edges.of(params.wrap());
        this.scheduler = new TileScheduler(params.tile(), params.jitter(), edges, MIN_WINDOW);
        this.devices = new DeviceQueue(devices, TorchRuntime.workers(gradients.device()));
        this.workers = this.devices.slots();
        this.budget = DevicePlan.budget(params, gradients.device());
        this.laplacian = params.normalize() == Normalize.LAPLACIAN ? new LaplacianNormalizer(edges, scratch) : null;
    }

    /** Dreams through {@code g} (e.g. one shard's region of a larger dream) instead of the whole image. */
    public DreamEngine withGeometry(OctaveGeometry g) {
        this.geometry = g;
        return this;
    }

    /** The random source of one step: derived from (seed, octave, step) alone, so any step can be replayed. */
    public static SplittableRandom stepRandom(long seed, int octave, int step) {
        long mixed = seed * 0x9E3779B97F4A7C15L + (octave + 1) * 0xBF58476D1CE4E5B9L + (step + 1) * 0x94D049BB133111EBL;
        return new SplittableRandom(mixed);
    }

    /** Dreams {@code image} (left untouched) and returns the result in new scratch storage. */
    public FloatPlanes dream(FloatPlanes image, DreamListener listener) {
        return dream(image, listener, null);
    }

    public FloatPlanes dream(FloatPlanes image, DreamListener listener, StartPoint start) {
        List<OctaveSizes.Size> sizes = geometry.sizes(image.width(), image.height(), params.octaves(), params.octaveScale());
        int n = sizes.size();
        long total = OctaveSizes.workBefore(sizes, params, n - 1, params.steps());
        List<FloatPlanes> bases = new ArrayList<>(java.util.Collections.nCopies(n, (FloatPlanes) null));
        bases.set(n - 1, image);
        FloatPlanes working = null;
        Mask mask = null;
        try {
            int firstOctave = start == null ? 0 : start.octave();
            if (maskPlane != null) mask = Mask.pyramid(maskPlane, sizes, firstOctave, scratch);
            for (int k = n - 2; k >= firstOctave; k--) {
                OctaveSizes.Size s = sizes.get(k);
                FloatPlanes b = FloatPlanes.create(s.width(), s.height(), scratch);
                geometry.downscale(bases.get(k + 1), k, b);
                bases.set(k, b);
            }
            int firstStep = start == null ? 0 : start.stepsDone();
            long done = OctaveSizes.workBefore(sizes, params, firstOctave, firstStep);
            if (start != null) {
                working = FloatPlanes.create(start.working().width(), start.working().height(), scratch);
                working.copyFrom(start.working());
            } else {
                working = FloatPlanes.create(sizes.get(0).width(), sizes.get(0).height(), scratch);
                geometry.start(bases.get(0), working);
            }
            for (int k = firstOctave; k < n; k++) {
                if (k > firstOctave) {
                    OctaveSizes.Size s = sizes.get(k);
                    FloatPlanes next = FloatPlanes.create(s.width(), s.height(), scratch);
                    geometry.transfer(working, bases.get(k - 1), bases.get(k), k, next);
                    working.close();
                    working = next;
                    closeBase(bases, k - 1, n);
                    if (mask != null) mask.release(k - 1);
                }
                DevicePlan plan = DevicePlan.choose(k, working.width(), working.height(), params, budget,
                        DevicePlan.maxBatch(gradients.device()));
                if (plan.path() == DevicePlan.Path.STREAMED && budget > 0 && DevicePlan.BYTES_PER_IMAGE_PIXEL
                        * working.width() * (long) working.height() <= budget) {
                    LOG.info("device memory budget too small for one batch: streaming this octave (" + plan + ")");
                }
                int first = k == firstOctave ? firstStep : 0;
                octaveMask = mask == null ? null : mask.level(k);
                if (plan.path() == DevicePlan.Path.RESIDENT) {
                    done = residentOctave(working, plan.batch(), k, first, done, total, listener);
                } else {
                    try (FloatPlanes grad = FloatPlanes.create(working.width(), working.height(), scratch)) {
                        for (int s = first; s < params.steps(); s++) {
                            done = step(working, grad, k, s, done, total, listener);
                            if (!listener.continueAfter(k, s + 1, WorkingImage.of(working))) {
                                throw new DreamInterrupted(k, s + 1);
                            }
                        }
                    }
                }
            }
            if (params.keepColors()) KeepColors.apply(image, working);
            if (mask != null) mask.keepBlack(image, working);
            FloatPlanes result = working;
            working = null;
            return result;
        } finally {
            if (pool != null) {
                pool.close();
                pool = null;
            }
            if (working != null) working.close();
            if (laplacian != null) laplacian.close();
            if (mask != null) mask.close();
            octaveMask = null;
            for (int k = 0; k < n - 1; k++) closeBase(bases, k, n);
        }
    }

    /** All steps of one octave on the device; {@code working} is brought up to date at the end (or when asked). */
    private long residentOctave(FloatPlanes working, int batch, int k, int first, long done, long total, DreamListener l) {
        try (ResidentOctave octave = new ResidentOctave(devices, transfers, edges, batch, pool(), working)) {
            octave.laplacian(laplacian != null);
            if (octaveMask != null) octave.mask(octaveMask);
            for (int s = first; s < params.steps(); s++) {
                StepTiles st = stepTiles(working, k, s);
                long before = done;
                double objective = octave.step(st.tiles(), (float) params.stepSize(),
                        seen -> l.progress(st.progress(before, seen), total));
                done = before + st.work();
                l.stepDone(k, s, objective);
                WorkingImage image = new WorkingImage() {
                    @Override
                    public FloatPlanes planes() {
                        if (!octave.hostCurrent()) octave.download(working);
                        return working;
                    }

                    @Override
                    public boolean onHost() {
                        return octave.hostCurrent();
                    }
                };
                if (!l.continueAfter(k, s + 1, image)) {
                    throw new DreamInterrupted(k, s + 1);
                }
            }
            if (!octave.hostCurrent()) octave.download(working);
        }
        return done;
    }

    /** The port through which the resident path moves image data (counted; tests read it). */
    public DeviceTransfers transfers() {
        return transfers;
    }

    private static void closeBase(List<FloatPlanes> bases, int k, int n) {
        if (k < n - 1 && bases.get(k) != null) {
            bases.get(k).close();
            bases.set(k, null);
        }
    }

    private long step(FloatPlanes working, FloatPlanes grad, int octave, int step, long done, long total, DreamListener l) {
        int W = working.width();
        int H = working.height();
        StepTiles st = stepTiles(working, octave, step);
        List<Tile> tiles = st.tiles();
        final long windowPixels = st.windowPixels();
        long before = done;
        double sumAbs = 0;
        double objective = 0;
        long seen = 0;
        // Windows run `workers` at a time (one libtorch thread each, see TorchRuntime); sums and progress are taken
        // in tile order on this thread, so the result does not depend on which window finished first.
        for (int from = 0; from < tiles.size(); from += workers) {
            List<Tile> chunk = tiles.subList(from, Math.min(tiles.size(), from + workers));
            List<double[]> parts = pool().run(chunk.size(), i -> {
                Tile t = chunk.get(i);
                float[] window = TileIO.readWindow(working, t, edges);
                GradientStep.Result r = devices.call((d, g) -> g.compute(window, t.x().windowLength(), t.y().windowLength()));
                // Each tile's objective is a mean over its own window; weighting by the window's share of the step
                // makes the tiles' gradients commensurable, as if the objective were one mean over all windows.
                float share = (float) ((double) t.windowPixels() / windowPixels);
                double abs = TileIO.writeCore(grad, t, edges, r.gradient(), share);
                return new double[] {abs, r.objective() * share};
            });
            for (int i = 0; i < chunk.size(); i++) {
                sumAbs += parts.get(i)[0];
                objective += parts.get(i)[1];
                seen += chunk.get(i).windowPixels();
                done = st.progress(before, seen);
                l.progress(done, total);
            }
        }
        // Laplacian: the normalised gradient is scaled like the mean's, so stepSize is the mean |change| either way.
        if (laplacian != null) sumAbs = laplacian.normalize(grad, pool());
        // A mask multiplies the (normalised) gradient and the mean is taken per painted pixel (see Mask).
        double meanAbs = octaveMask == null ? sumAbs / (3.0 * W * H) : octaveMask.maskInPlace(grad, pool());
        if (meanAbs > 0 && Double.isFinite(meanAbs)) {
            applyUpdate(working, grad, (float) (params.stepSize() / 255.0 / meanAbs));
        }
        l.stepDone(octave, step, objective);
        return before + st.work();
    }

    /** One step's tiles (from seed, octave and step alone), the pixels of their windows and the step's planned work. */
    private record StepTiles(List<Tile> tiles, long windowPixels, long work) {
        /** Work done once windows of {@code seen} pixels are: the work spread in proportion, exact at the end. */
        long progress(long before, long seen) {
            return before + Math.round((double) work * seen / windowPixels);
        }
    }

    private StepTiles stepTiles(FloatPlanes working, int octave, int step) {
        int W = working.width();
        int H = working.height();
        List<Tile> tiles = geometry.tiles(scheduler, params.seed(), octave, step, W, H);
        long windowPixels = 0;
        for (Tile t : tiles) windowPixels += t.windowPixels();
        return new StepTiles(tiles, windowPixels, OctaveSizes.stepWork(W, H, params));
    }

    private ParallelRows pool() {
        if (pool == null) pool = new ParallelRows(workers);
        return pool;
    }

    private void applyUpdate(FloatPlanes working, FloatPlanes grad, float factor) {
        int W = working.width();
        int H = working.height();
        // Rows are independent: split them between the workers (each with its own row buffers).
        int bands = Math.min(workers, H);
        pool().run(bands, b -> {
            float[] x = new float[W];
            float[] g = new float[W];
            int y0 = (int) ((long) H * b / bands);
            int y1 = (int) ((long) H * (b + 1) / bands);
            for (int c = 0; c < 3; c++) {
                for (int y = y0; y < y1; y++) {
                    working.getRow(c, y, x);
                    grad.getRow(c, y, g);
                    for (int i = 0; i < W; i++) {
                        float v = x[i] + factor * g[i];
                        x[i] = v < 0f ? 0f : (v > 1f ? 1f : v);
                    }
                    working.putRow(c, y, x);
                }
            }
            return null;
        });
    }
}
