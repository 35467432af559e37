package io.dreamscape.engine;

/** The listener asked the engine to stop; {@code octave} and {@code stepsDone} say where it stood. */
public final class DreamInterrupted extends RuntimeException {
    private final int octave;
    private final int stepsDone;

    public DreamInterrupted(int octave, int stepsDone) {
        super("stopped after step " + stepsDone + " of octave " + octave);
        this.octave = octave;
        this.stepsDone = stepsDone;
    }

    public int octave() {
        return octave;
    }

    public int stepsDone() {
        return stepsDone;
    }
}
