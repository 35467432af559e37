package io.dreamscape.worker;

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
import picocli.CommandLine;

/** Runs {@code dreamscape worker} in this JVM (with an explicit environment) or as a real child process. */
final class WorkerRuns {
    private WorkerRuns() {
    }

    record Run(int exit, String log) {
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

    static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
