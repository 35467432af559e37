package io.dreamscape.engine.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Weights resolution and download, against a loopback HTTP server (no internet). */
class GoogLeNetWeightsTest {

    @TempDir
    Path tmp;

    HttpServer server;
    ExecutorService pool;
    final AtomicInteger requests = new AtomicInteger();
    byte[] body;
    String prefix;

    @BeforeEach
    void start() throws Exception {
        body = new byte[700_000];
        new Random(42).nextBytes(body);
        prefix = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)).substring(0, 8);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/good/", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });
        server.createContext("/stall/", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(200, body.length);
            OutputStream os = ex.getResponseBody();
            os.write(body, 0, 1000);
            os.flush();
            try {
                Thread.sleep(5000);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            closeConnection(ex);
        });
        server.createContext("/missing/", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.start();
    }

    private static void closeConnection(HttpExchange ex) {
        try {
            ex.getResponseBody().close(); // fewer bytes than announced: the server drops the connection
        } catch (IOException expected) {
            // "insufficient bytes written to stream"
        }
        ex.close();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        pool.shutdownNow();
    }

    URI url(String dir, String hash) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/" + dir + "/googlenet-" + hash + ".pth");
    }

    @Test
    void downloadsVerifiesAndCachesTheFileReportingProgress() throws IOException {
        Path cache = tmp.resolve("cache");
        List<long[]> progress = new ArrayList<>();
        List<String> events = new ArrayList<>();
        DownloadListener listener = new DownloadListener() {
            @Override
            public void started(URI from, Path to, long total) {
                events.add("started " + total);
            }

            @Override
            public void progress(long done, long total) {
                progress.add(new long[] {done, total});
            }

            @Override
            public void finished(Path file) {
                events.add("finished " + file.getFileName());
            }
        };
        Path got = GoogLeNetWeights.resolve(null, cache, url("good", prefix), listener);

        assertEquals(cache.resolve("googlenet-" + prefix + ".pth"), got);
        assertArrayEquals(body, Files.readAllBytes(got));
        assertEquals(List.of("started " + body.length, "finished googlenet-" + prefix + ".pth"), events);
        assertTrue(progress.size() >= 2, "several progress updates");
        for (int i = 1; i < progress.size(); i++) {
            assertTrue(progress.get(i)[0] >= progress.get(i - 1)[0], "progress never goes backwards");
        }
        assertArrayEquals(new long[] {body.length, body.length}, progress.get(progress.size() - 1));
        assertEquals(List.of(got), listFiles(cache), "nothing else in the cache");

        // cached now: no second request, even with the server gone
        server.stop(0);
        assertEquals(got, GoogLeNetWeights.resolve(null, cache, url("good", prefix), DownloadListener.NONE));
        assertEquals(1, requests.get());
    }

    @Test
    void explicitPathWinsAndMustExist() throws IOException {
        Path mine = Files.write(tmp.resolve("my-weights.pth"), new byte[] {1});
        assertEquals(mine, GoogLeNetWeights.resolve(mine, tmp.resolve("cache"), url("good", prefix), DownloadListener.NONE));
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> GoogLeNetWeights.resolve(tmp.resolve("typo.pth"), tmp.resolve("cache"), url("good", prefix), DownloadListener.NONE));
        assertTrue(e.getMessage().contains("typo.pth") && e.getMessage().contains("--weights"), e.getMessage());
        assertEquals(0, requests.get(), "no download when a path is given");
        assertFalse(Files.exists(tmp.resolve("cache")));
    }

    @Test
    void rejectsAWrongHashAndLeavesNothingInTheCache() throws IOException {
        Path cache = tmp.resolve("cache");
        String wrong = prefix.startsWith("0") ? "11111111" : "00000000";
        WeightsUnavailableException e = assertThrows(WeightsUnavailableException.class,
                () -> GoogLeNetWeights.resolve(null, cache, url("good", wrong), DownloadListener.NONE));
        assertTrue(e.getMessage().contains("SHA-256") && e.getMessage().contains(wrong) && e.getMessage().contains("nothing was saved"),
                e.getMessage());
        assertEquals(List.of(), listFiles(cache));
    }

    @Test
    void anInterruptedDownloadLeavesNothingBehind() throws Exception {
        // a raw server that announces the full length, sends half, and drops the connection
        try (ServerSocket raw = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = raw.accept()) {
                    BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                    while (!r.readLine().isEmpty()) {
                        // request headers
                    }
                    OutputStream os = s.getOutputStream();
                    os.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    os.write(body, 0, body.length / 2);
                    os.flush();
                } catch (IOException ignored) {
                    // the test checks the client side
                }
            });
            t.setDaemon(true);
            t.start();
            Path cache = tmp.resolve("cache");
            URI cut = URI.create("http://127.0.0.1:" + raw.getLocalPort() + "/cut/googlenet-" + prefix + ".pth");
            WeightsUnavailableException e = assertThrows(WeightsUnavailableException.class,
                    () -> GoogLeNetWeights.resolve(null, cache, cut, DownloadListener.NONE));
            assertTrue(e.getMessage().contains("interrupted"), e.getMessage());
            assertEquals(List.of(), listFiles(cache));
            t.join(5000);
        }
    }

    @Test
    void aStalledDownloadTimesOutAndLeavesNothingBehind() throws IOException {
        Path cache = tmp.resolve("cache");
        Path target = cache.resolve("googlenet-" + prefix + ".pth");
        long t0 = System.nanoTime();
        WeightsUnavailableException e = assertThrows(WeightsUnavailableException.class,
                () -> GoogLeNetWeights.download(url("stall", prefix), target, DownloadListener.NONE, Duration.ofMillis(400)));
        assertTrue(e.getMessage().contains("stalled"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 4_000_000_000L, "gave up long before the server resumed");
        assertEquals(List.of(), listFiles(cache));
    }

    @Test
    void withoutNetworkTheMessageSaysWhichFileToPutWhere() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Path cache = tmp.resolve("cache");
        URI offline = URI.create("http://127.0.0.1:" + closedPort + "/models/googlenet-1378be20.pth");
        WeightsUnavailableException e = assertThrows(WeightsUnavailableException.class,
                () -> GoogLeNetWeights.resolve(null, cache, offline, DownloadListener.NONE));
        String msg = e.getMessage();
        for (String part : List.of(offline.toString(), cache.resolve("googlenet-1378be20.pth").toAbsolutePath().toString(),
                "--weights", "DREAMSCAPE_HOME")) {
            assertTrue(msg.contains(part), "expected '" + part + "' in: " + msg);
        }
        assertEquals(List.of(), listFiles(cache));
    }

    @Test
    void httpErrorsAreReported() throws IOException {
        Path cache = tmp.resolve("cache");
        WeightsUnavailableException e = assertThrows(WeightsUnavailableException.class,
                () -> GoogLeNetWeights.resolve(null, cache, url("missing", prefix), DownloadListener.NONE));
        assertTrue(e.getMessage().contains("HTTP 404"), e.getMessage());
        assertEquals(List.of(), listFiles(cache));
    }

    @Test
    void officialUrlCarriesTorchvisionsHashPrefix() {
        assertEquals("1378be20", GoogLeNetWeights.hashPrefix(GoogLeNetWeights.OFFICIAL_URL));
        assertTrue(GoogLeNetWeights.OFFICIAL_URL.toString().endsWith("/" + GoogLeNetWeights.FILE_NAME));
        assertThrows(IllegalArgumentException.class, () -> GoogLeNetWeights.hashPrefix(URI.create("http://x/googlenet.pth")));
    }

    @Test
    void cacheDirIsDreamscapeHomeOrUnderTheUsersCache() {
        assertEquals(Path.of("/data/ds"), GoogLeNetWeights.defaultCacheDir(Map.of("DREAMSCAPE_HOME", "/data/ds"), "/home/a"));
        assertEquals(Path.of("/home/a/.cache/dreamscape"), GoogLeNetWeights.defaultCacheDir(Map.of(), "/home/a"));
    }

    private static List<Path> listFiles(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
