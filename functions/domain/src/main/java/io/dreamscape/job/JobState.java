package io.dreamscape.job;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The life of a job: {@code RECEIVED → VALIDATED → PLANNED → DREAMING → ASSEMBLING → COMPLETED}, or {@code FAILED} from
 * any state that is not finished. Moves only go forward (skipping is allowed: a K=1 job may go PLANNED → ASSEMBLING if
 * its worker never reported), so a late progress update or a retried step can never move a finished job back.
 */
public enum JobState {
    RECEIVED, VALIDATED, PLANNED, DREAMING, ASSEMBLING, COMPLETED, FAILED;

    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED;
    }

    public boolean canMoveTo(JobState next) {
        if (isTerminal()) {
            return false;
        }
        if (next == FAILED) {
            return true;
        }
        return next.ordinal() > ordinal();
    }

    /** The states from which {@code next} may be reached (what a conditional update checks). */
    public static Set<JobState> predecessorsOf(JobState next) {
        return Arrays.stream(values()).filter(s -> s.canMoveTo(next)).collect(Collectors.toUnmodifiableSet());
    }
}
