package io.dreamscape.engine;

import java.util.SplittableRandom;

/** Made-up inputs that several engine tests share (the committed files and models are in {@link TestFixtures}). */
final class EngineFixtures {
    private EngineFixtures() {
    }

    /** A planar RGB window of {@code w × h} with values uniform in 0.2 to 0.8, the same for the same seed. */
    static float[] randomWindow(long seed, int w, int h) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[3 * w * h];
        for (int i = 0; i < x.length; i++) x[i] = (float) (0.2 + 0.6 * r.nextDouble());
        return x;
    }
}
