package io.dreamscape.engine;

import io.dreamscape.engine.storage.FloatPlanes;

/** What the engine reports while it works. Every method has a do-nothing default. */
public interface DreamListener {
    /** {@code done} of {@code total} work units (pixel-steps) are finished; called after every tile. */
    default void progress(long done, long total) {
    }

    /** A step ended; {@code objective} is its pixel-weighted mean objective before the update. */
    default void stepDone(int octave, int step, double objective) {
    }

    /**
     * Called after each step with the working image; return false to stop here (e.g. SIGTERM): the engine then throws
     * {@link DreamInterrupted} naming the point reached, from which a later run can resume.
     */
    default boolean continueAfter(int octave, int stepsDone, FloatPlanes working) {
        return true;
    }

    /**
     * What the engine calls after each step. The default fetches the image and calls
     * {@link #continueAfter(int, int, FloatPlanes)}: on the device-resident path that is one device→host copy per
     * step, so listeners that need the image only now and then (checkpoints) override this one and call
     * {@link WorkingImage#planes()} only when they do.
     */
    default boolean continueAfter(int octave, int stepsDone, WorkingImage working) {
        return continueAfter(octave, stepsDone, working.planes());
    }
}
