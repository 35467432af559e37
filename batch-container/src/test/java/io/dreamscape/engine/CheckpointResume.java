package io.dreamscape.engine;

import static org.junit.jupiter.api.Assertions.assertThrows;

import io.dreamscape.engine.storage.FloatPlanes;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * An uninterrupted dream and the same dream stopped after octave 1's first step, with the working image saved there
 * (as a checkpoint would save it), then resumed from that point: the resume tests assert the two images are equal.
 */
record CheckpointResume(float[] uninterrupted, float[] resumed) {

    /** {@code engine} makes a fresh engine for each of the three dreams (uninterrupted, stopped, resumed). */
    static CheckpointResume of(Supplier<DreamEngine> engine, FloatPlanes image, Path scratch) {
        float[] whole;
        try (FloatPlanes out = engine.get().dream(image, new DreamListener() { })) {
            whole = DreamEngineTest.flat(out);
        }
        FloatPlanes[] saved = new FloatPlanes[1];
        DreamInterrupted stop = assertThrows(DreamInterrupted.class, () -> engine.get().dream(image, new DreamListener() {
            @Override
            public boolean continueAfter(int octave, int stepsDone, FloatPlanes working) {
                if (octave == 1 && stepsDone == 1) {
                    saved[0] = FloatPlanes.create(working.width(), working.height(), scratch);
                    saved[0].copyFrom(working);
                    return false;
                }
                return true;
            }
        }));
        try (FloatPlanes out = engine.get().dream(image, new DreamListener() { },
                new StartPoint(stop.octave(), stop.stepsDone(), saved[0]))) {
            return new CheckpointResume(whole, DreamEngineTest.flat(out));
        } finally {
            saved[0].close();
        }
    }
}
