package io.dreamscape.e2e.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@code dreamscape local} process shared by all the tests of a class, in a temporary home of its own: started
 * before the first test, stopped after the last and its home deleted, as a static {@code @TempDir} would be
 * ({@code @RegisterExtension static final LocalModeSession SESSION = new LocalModeSession("--workers", "2")}).
 */
final class LocalModeSession implements BeforeAllCallback, AfterAllCallback {
    private final String[] args;
    private LocalModeProcess process;

    /** {@code args}: local mode's options beyond those every test process gets (see {@link LocalModeProcess#start}). */
    LocalModeSession(String... args) {
        this.args = args;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        process = new LocalModeProcess(Files.createTempDirectory("local-e2e"), args);
        process.start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (process == null) return;
        process.close();
        try (Stream<Path> files = Files.walk(process.home)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    /** The running process. */
    LocalModeProcess process() {
        return process;
    }
}
