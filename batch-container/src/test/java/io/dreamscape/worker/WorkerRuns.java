package io.dreamscape.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dreamscape.cli.DreamscapeCli;
import io.dreamscape.log.JsonLog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/** Runs {@code dreamscape worker} in this JVM (with an explicit environment) or as a real child process. */
final class WorkerRuns {
    private WorkerRuns() {
    }

    record Run(int exit, String log) {
    }

    /** What a test waits for, read from the log or the bucket (either may throw). */
    interface Condition {
        boolean holds() throws Exception;
    }

    /** In process, through picocli exactly as {@code dreamscape worker ARGS} parses it; JSON log lines captured. */
    static synchronized Run inProcess(Map<String, String> env, Path scratch, String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        JsonLog.redirect(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            List<String> all = new ArrayList<>(List.of("--scratch", scratch.toString(), "--progress-interval", "0.2"));
            all.addAll(List.of(args));
            int exit = new CommandLine(new WorkerCommand(env)).execute(all.toArray(String[]::new));
            return new Run(exit, buf.toString(StandardCharsets.UTF_8));
        } finally {
            JsonLog.redirect(System.out);
        }
    }

    /** {@code java -cp <test class path> io.dreamscape.cli.DreamscapeCli worker ...}, stdout+stderr to {@code log}. */
    static Process child(Map<String, String> env, Path scratch, Path log, String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                DreamscapeCli.class.getName(), "worker", "--scratch", scratch.toString(), "--progress-interval", "0.2"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        pb.environment().put("HOME", System.getProperty("user.home"));
        pb.environment().putAll(env);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits (90 s at most) until {@code written} says the child has written its first checkpoint, failing at once if
     * {@code who} ends before; the deadline, for waits that follow.
     */
    static long awaitFirstCheckpoint(Process child, Path log, String who, Condition written) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!written.holds()) {
            assertTrue(child.isAlive(), who + " ended before its first checkpoint:\n" + read(log));
            assertTrue(System.nanoTime() < deadline, "no checkpoint within 90 s:\n" + read(log));
            Thread.sleep(50);
        }
        return deadline;
    }

    /** SIGTERM, as Batch stops a job: the child stops within 60 s with exit code 143. Its log. */
    static String terminate(Process child, Path log) throws InterruptedException {
        child.destroy();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        String text = read(log);
        assertEquals(143, child.exitValue(), text);
        return text;
    }

    static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
