package io.dreamscape.engine.weights;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the GoogLeNet weights file ({@code googlenet-1378be20.pth}, torchvision's {@code IMAGENET1K_V1}).
 *
 * <p>Order: an explicit path ({@code --weights PATH}); else the cache directory ({@code $DREAMSCAPE_HOME}, default
 * {@code ~/.cache/dreamscape/}); else a download from torchvision's URL into the cache. As in torchvision, the file
 * name carries the first hex digits of its SHA-256 ({@code 1378be20}); the download is written to a temporary file
 * next to the target, verified, and only then moved into place atomically. A wrong checksum, an HTTP error, an
 * interrupted or stalled transfer leave nothing behind, and the error says which file to put where to work offline.
 */
public final class GoogLeNetWeights {

    /** torchvision's official GoogLeNet weights. */
    public static final URI OFFICIAL_URL = URI.create("https://download.pytorch.org/models/googlenet-1378be20.pth");

    /** The file name in the cache (the same as torchvision's). */
    public static final String FILE_NAME = "googlenet-1378be20.pth";

    /** Environment variable naming the cache directory. */
    public static final String HOME_ENV = "DREAMSCAPE_HOME";

    private static final Pattern HASH_IN_NAME = Pattern.compile("-([a-f0-9]{6,})\\.");
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);
    private static final long PROGRESS_EVERY = 256 * 1024;

    private GoogLeNetWeights() {
    }

    /** {@code $DREAMSCAPE_HOME} if set, else {@code ~/.cache/dreamscape}. */
    public static Path defaultCacheDir() {
        return defaultCacheDir(System.getenv(), System.getProperty("user.home"));
    }

    static Path defaultCacheDir(Map<String, String> env, String userHome) {
        String home = env.get(HOME_ENV);
        if (home != null && !home.isBlank()) {
            return Path.of(home);
        }
        return Path.of(userHome, ".cache", "dreamscape");
    }

    /**
     * The weights file to load: {@code explicitOrNull} if given (it must exist), else the cached file, else the
     * official file downloaded into {@code cacheDir}.
     *
     * @param listener download progress (not called unless a download happens); {@link DownloadListener#NONE} for none
     * @throws NoSuchFileException if {@code explicitOrNull} does not exist
     * @throws WeightsUnavailableException if the download fails (the message tells the user what to do)
     */
    public static Path resolve(Path explicitOrNull, Path cacheDir, DownloadListener listener) throws IOException {
        return resolve(explicitOrNull, cacheDir, OFFICIAL_URL, listener);
    }

    /** As {@link #resolve(Path, Path, DownloadListener)}, downloading from {@code url} (its file name carries the hash prefix). */
    public static Path resolve(Path explicitOrNull, Path cacheDir, URI url, DownloadListener listener) throws IOException {
        if (explicitOrNull != null) {
            if (!Files.isRegularFile(explicitOrNull)) {
                throw new NoSuchFileException(explicitOrNull.toString(), null, "the weights file given with --weights does not exist");
            }
            return explicitOrNull;
        }
        Path cached = cacheDir.resolve(fileName(url));
        if (Files.isRegularFile(cached)) {
            return cached;
        }
        return download(url, cached, listener, IDLE_TIMEOUT);
    }

    /**
     * Downloads {@code url} to {@code target}: streamed to a temporary file in the same directory, checked against
     * the SHA-256 prefix in the URL's file name, then moved into place atomically. Nothing is left behind on failure.
     */
    static Path download(URI url, Path target, DownloadListener listener, Duration idleTimeout) throws IOException {
        String expected = hashPrefix(url);
        Path dir = target.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw unavailable(url, target, "cannot create the cache directory " + dir + " (" + e + ")", e);
        }
        Path part = Files.createTempFile(dir, "." + target.getFileName() + ".", ".part");
        part.toFile().deleteOnExit(); // also on Ctrl-C
        boolean moved = false;
        try {
            String actual = fetch(url, target, part, listener, idleTimeout);
            if (!actual.startsWith(expected)) {
                throw unavailable(url, target, "the downloaded file's SHA-256 is " + actual + ", which does not start with "
                        + expected + " as its name promises (a corrupt download, or not the official file); nothing was saved", null);
            }
            try {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
            listener.finished(target);
            return target;
        } finally {
            if (!moved) {
                Files.deleteIfExists(part);
            }
        }
    }

    /** Streams the body into {@code part}; returns its SHA-256 in hex. */
    private static String fetch(URI url, Path target, Path part, DownloadListener listener, Duration idleTimeout)
            throws IOException {
        HttpClient.Builder b = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(CONNECT_TIMEOUT);
        if (ProxySelector.getDefault() != null) {
            b.proxy(ProxySelector.getDefault()); // honours -Dhttps.proxyHost etc.
        }
        HttpRequest request = HttpRequest.newBuilder(url).timeout(idleTimeout.plus(CONNECT_TIMEOUT)).GET().build();
        MessageDigest sha = sha256();
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "weights-download-watchdog");
            t.setDaemon(true);
            return t;
        });
        HttpClient client = b.build();
        try {
            HttpResponse<InputStream> response;
            try {
                response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("the download of " + url + " was interrupted");
            } catch (IOException e) {
                throw unavailable(url, target, "no connection (" + describe(e) + ")", e);
            }
            long total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(part)) {
                if (response.statusCode() != 200) {
                    throw unavailable(url, target, "the server answered HTTP " + response.statusCode(), null);
                }
                listener.started(url, target, total);
                AtomicLong lastByteAt = new AtomicLong(System.nanoTime());
                AtomicBoolean stalled = new AtomicBoolean();
                long checkMs = Math.max(10, idleTimeout.toMillis() / 4);
                watchdog.scheduleWithFixedDelay(() -> {
                    if (System.nanoTime() - lastByteAt.get() > idleTimeout.toNanos()) {
                        stalled.set(true);
                        try {
                            in.close(); // unblocks the reading thread
                        } catch (IOException ignored) {
                            // closing is best effort
                        }
                    }
                }, checkMs, checkMs, TimeUnit.MILLISECONDS);
                byte[] buf = new byte[64 * 1024];
                long done = 0;
                long reported = 0;
                try {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        lastByteAt.set(System.nanoTime());
                        out.write(buf, 0, n);
                        sha.update(buf, 0, n);
                        done += n;
                        if (done - reported >= PROGRESS_EVERY) {
                            listener.progress(done, total);
                            reported = done;
                        }
                        if (Thread.currentThread().isInterrupted()) {
                            throw new InterruptedIOException("the download of " + url + " was interrupted");
                        }
                    }
                } catch (InterruptedIOException e) {
                    throw e;
                } catch (IOException e) {
                    String why = stalled.get() ? "the download stalled (no data for " + idleTimeout.toSeconds() + " s)"
                            : "the download was interrupted (" + describe(e) + ")";
                    throw unavailable(url, target, why + " after " + done + (total >= 0 ? " of " + total : "") + " bytes", e);
                }
                if (stalled.get()) {
                    throw unavailable(url, target, "the download stalled (no data for " + idleTimeout.toSeconds()
                            + " s) after " + done + (total >= 0 ? " of " + total : "") + " bytes", null);
                }
                if (total >= 0 && done != total) {
                    throw unavailable(url, target, "the download was interrupted after " + done + " of " + total + " bytes", null);
                }
                listener.progress(done, total);
            }
        } finally {
            watchdog.shutdownNow();
            client.shutdownNow();
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The SHA-256 prefix in the URL's file name, torchvision's convention ({@code name-<hex>.ext}). */
    static String hashPrefix(URI url) {
        Matcher m = HASH_IN_NAME.matcher(fileName(url));
        if (!m.find()) {
            throw new IllegalArgumentException("the weights URL " + url + " has no SHA-256 prefix in its file name (name-<hex>.pth)");
        }
        return m.group(1);
    }

    private static String fileName(URI url) {
        String path = url.getPath();
        if (path == null || path.isEmpty() || path.endsWith("/")) {
            throw new IllegalArgumentException("the weights URL " + url + " does not name a file");
        }
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static WeightsUnavailableException unavailable(URI url, Path target, String why, Throwable cause) {
        return new WeightsUnavailableException("Cannot download the GoogLeNet weights from " + url + ": " + why + ". "
                + "To work without network access, download " + url + " on another machine and put it at "
                + target.toAbsolutePath() + " (or pass --weights /path/to/" + target.getFileName() + "; set "
                + HOME_ENV + " to use another cache directory).", cause);
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
