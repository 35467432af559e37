package io.dreamscape.engine;

import io.dreamscape.engine.storage.FloatPlanes;

/**
 * The working image after a step, handed to {@link DreamListener#continueAfter(int, int, WorkingImage)}. On the
 * device-resident path it lives on the device: {@link #planes()} copies it to the host on first call (a checkpoint,
 * a preview), so a listener that does not ask costs no transfer.
 */
public interface WorkingImage {
    /** The image in host storage (owned by the engine: copy it to keep it past the callback). */
    FloatPlanes planes();

    /** Whether {@link #planes()} needs no copy (the streamed path, or already fetched). */
    boolean onHost();

    static WorkingImage of(FloatPlanes planes) {
        return new WorkingImage() {
            @Override
            public FloatPlanes planes() {
                return planes;
            }

            @Override
            public boolean onHost() {
                return true;
            }
        };
    }
}
