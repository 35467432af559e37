package io.dreamscape.worker;

/** How the worker's parts write durations and errors into their log lines and failure sentences. */
final class LogValues {
    private LogValues() {
    }

    /** Seconds since {@code t0} (a {@link System#nanoTime()}), to the millisecond. */
    static double seconds(long t0) {
        return Math.round((System.nanoTime() - t0) / 1e6) / 1e3;
    }

    /** The exception's message, or its class and message when it has none (an NPE says nothing otherwise). */
    static String message(Throwable e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
