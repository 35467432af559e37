package io.dreamscape.engine.region;

import io.dreamscape.engine.DreamEngine;
import io.dreamscape.engine.DreamListener;
import io.dreamscape.engine.GradientStep;
import io.dreamscape.engine.StartPoint;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.storage.Resampler;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.OctaveSizes;
import io.dreamscape.job.ParameterOverrides;
import java.nio.file.Path;
import java.util.List;

/**
 * The base of a split dream: octaves {@code 0 … first-1} of the whole image, dreamed once, exactly as an unsplit dream
 * dreams them. The whole image is shrunk to octave {@code first - 1} by the engine's own chain of resizes, then dreamed
 * with {@code first} octaves — the same octave sizes (the same rounding chain), the same tiles (drawn from the same
 * (seed, octave, step)), the same normaliser (the whole octave's mean |gradient|). The result handed to the shards is
 * the dreamed <em>detail</em> at that octave: working − base, in [-1, 1].
 */
public final class BaseDream {
    private BaseDream() {
    }

    /** The parameters the base's engine runs with: {@code first} octaves, and no colour step (that is the shards'). */
    public static DreamParameters parameters(DreamParameters p, int first) {
        return p.with(ParameterOverrides.builder().octaves(first).keepColors(false).build());
    }

    /** The whole image shrunk to octave {@code first - 1} of its pyramid (the input of the base's engine). */
    public static FloatPlanes shrink(FloatPlanes image, DreamParameters p, int first, Path scratch) {
        List<OctaveSizes.Size> sizes = OctaveSizes.smallestFirst(image.width(), image.height(), p.octaves(), p.octaveScale());
        FloatPlanes current = image;
        for (int k = sizes.size() - 2; k >= first - 1; k--) {
            FloatPlanes next = FloatPlanes.create(sizes.get(k).width(), sizes.get(k).height(), scratch);
            Resampler.resize(current, next);
            if (current != image) current.close();
            current = next;
        }
        if (current == image) {
            FloatPlanes copy = FloatPlanes.create(image.width(), image.height(), scratch);
            copy.copyFrom(image);
            return copy;
        }
        return current;
    }

    /**
     * Dreams the base of {@code image} (the whole image at full size) and returns its detail at octave
     * {@code first - 1}; {@code start} resumes from a checkpoint of the base's engine (null for a fresh start).
     */
    public static FloatPlanes detail(FloatPlanes image, DreamParameters p, int first, GradientStep gradients,
                                     Path scratch, DreamListener listener, StartPoint start) {
        try (FloatPlanes base = shrink(image, p, first, scratch)) {
            return detailOfShrunk(base, p, first, gradients, scratch, listener, start);
        }
    }

    /** {@link #detail} from the already shrunk image (octave {@code first - 1} of the whole image). */
    public static FloatPlanes detailOfShrunk(FloatPlanes base, DreamParameters p, int first, GradientStep gradients,
                                             Path scratch, DreamListener listener, StartPoint start) {
        FloatPlanes dreamed = new DreamEngine(gradients, parameters(p, first), scratch).dream(base, listener, start);
        subtract(dreamed, base);
        return dreamed;
    }

    /** {@code a -= b}, row by row. */
    static void subtract(FloatPlanes a, FloatPlanes b) {
        float[] x = new float[a.width()];
        float[] y = new float[a.width()];
        for (int c = 0; c < 3; c++) {
            for (int r = 0; r < a.height(); r++) {
                a.getRow(c, r, x);
                b.getRow(c, r, y);
                for (int i = 0; i < x.length; i++) x[i] -= y[i];
                a.putRow(c, r, x);
            }
        }
    }
}
