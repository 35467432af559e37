package io.dreamscape.engine;

import io.dreamscape.engine.storage.FloatPlanes;

/** Where a resumed dream starts: the working image after {@code stepsDone} steps of octave {@code octave}. */
public record StartPoint(int octave, int stepsDone, FloatPlanes working) {
}
