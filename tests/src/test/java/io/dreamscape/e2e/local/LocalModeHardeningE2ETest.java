package io.dreamscape.e2e.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code dreamscape local --max-upload 10M} as a real process, attacked over plain sockets the way a web page in the
 * user's browser would (DNS rebinding: a foreign Host; a cross-site form post: a foreign Origin, text/plain, no
 * preflight) and with an oversized body. Raw sockets because the JDK's HTTP client will not send a forged Host.
 */
class LocalModeHardeningE2ETest {
    private static final int TEN_MIB = 10 << 20;

    @RegisterExtension
    static final LocalModeSession SESSION = new LocalModeSession("--workers", "1", "--max-upload", "10M");

    /** The process all of this class's tests talk to. */
    static LocalModeProcess local() {
        return SESSION.process();
    }

    record Reply(int status, String head, String body) {
        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) return line.substring(colon + 1).trim();
            }
            return null;
        }
    }

    /**
     * Sends {@code head} (request line and headers, without the blank line) and then {@code bodyBytes} bytes of body
     * from another thread (as a browser would keep sending while the server has answered), and reads the answer.
     */
    static Reply send(int port, String head, long bodyBytes, boolean chunked) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write((head + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            Thread writer = new Thread(() -> {
                byte[] block = new byte[64 * 1024];
                try {
                    for (long left = bodyBytes; left > 0; ) {
                        int n = (int) Math.min(block.length, left);
                        if (chunked) out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        out.write(block, 0, n);
                        if (chunked) out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                        left -= n;
                    }
                    if (chunked) out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } catch (IOException serverStoppedReading) {
                    // expected when the server refuses the body
                }
            });
            writer.setDaemon(true);
            writer.start();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            int headEnd = -1;
            while (headEnd < 0) {
                int b = in.read();
                if (b < 0) throw new IOException("connection closed before an answer: " + got);
                got.write(b);
                String t = got.toString(StandardCharsets.ISO_8859_1);
                if (t.endsWith("\r\n\r\n")) headEnd = t.length();
            }
            String responseHead = got.toString(StandardCharsets.ISO_8859_1).trim();
            Reply partial = new Reply(Integer.parseInt(responseHead.split(" ")[1]), responseHead, "");
            String length = partial.header("Content-Length");
            byte[] body = length == null ? new byte[0] : in.readNBytes(Integer.parseInt(length));
            return new Reply(partial.status(), responseHead, new String(body, StandardCharsets.UTF_8));
        }
    }

    static Reply get(int port, String path, String host, String... headers) throws Exception {
        return send(port, "GET " + path + " HTTP/1.1\r\nHost: " + host + (headers.length == 0 ? "" : "\r\n"
                + String.join("\r\n", headers)) + "\r\nConnection: close", 0, false);
    }

    static String own() {
        return "127.0.0.1:" + local().port;
    }

    static List<Path> uploads() throws IOException {
        try (Stream<Path> s = Files.walk(local().data.resolve("dreamscape/uploads"))) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void aForeignHostNameIsRefusedByThePageTheApiAndTheS3Endpoint() throws Exception {
        String bearer = "Authorization: Bearer " + local().token;
        assertEquals(200, get(local().port, "/jobs", own(), bearer).status());
        for (String host : List.of("rebind.attacker.example:" + local().port, "127.0.0.1.nip.io:" + local().port)) {
            Reply jobs = get(local().port, "/jobs", host, bearer);
            assertEquals(403, jobs.status(), host);
            assertTrue(jobs.body().contains("does not answer to the host name"), jobs.body());
            assertEquals(403, get(local().port, "/", host).status(), "the page too: " + host);
            assertEquals(403, get(local().port, "/config", host).status());
        }
        assertEquals(200, get(local().port, "/config", "localhost:" + local().port).status());
        assertEquals(200, get(local().port, "/config", "[::1]:" + local().port).status());

        Reply bucket = get(local().s3Port, "/dreamscape?list-type=2", "127.0.0.1:" + local().s3Port);
        assertEquals(200, bucket.status(), bucket.body());
        Reply rebound = get(local().s3Port, "/dreamscape?list-type=2", "rebind.attacker.example:" + local().s3Port);
        assertEquals(403, rebound.status(), rebound.body());
        assertTrue(rebound.body().contains("AccessDenied"), rebound.body());
        assertFalse(rebound.body().contains("<Contents>"), "no listing leaks");
        Reply fromPage = get(local().s3Port, "/dreamscape?list-type=2", "127.0.0.1:" + local().s3Port,
                "Origin: https://some.site.example");
        assertEquals(403, fromPage.status(), "a web page of another origin cannot use the bucket");
    }

    @Test
    void aCrossSitePostIsRefusedWhateverItCarriesAndNothingIsStored() throws Exception {
        byte[] jpeg = TestImages.textAsJpeg();
        List<Path> before = uploads();
        for (String origin : List.of("Origin: http://evil.example", "Origin: null",
                "Origin: http://127.0.0.1:" + (local().port + 1), "Sec-Fetch-Site: cross-site")) {
            // a form post needs no preflight: text/plain, and the browser would add the cookie if it were not SameSite
            Reply r = post("/upload?name=forged.jpg", jpeg, origin, "Content-Type: text/plain",
                    "Cookie: dreamscape-token-" + local().port + "=" + local().token);
            assertEquals(403, r.status(), origin + " → " + r.body());
            assertTrue(r.body().contains("another web site"), r.body());
        }
        Reply noToken = post("/upload?name=forged.jpg", jpeg, "Origin: http://" + own());
        assertEquals(401, noToken.status(), noToken.body());
        // the page's own origin with the token passes the guard (and stops at the parameter check: nothing stored)
        Reply own = post("/upload?name=own.jpg", jpeg, "Origin: http://" + own(), "Authorization: Bearer " + local().token,
                "X-Dreamscape-Params: {\"steps\": 100000}");
        assertEquals(400, own.status(), own.body());
        assertEquals(before, uploads());
    }

    static Reply post(String path, byte[] body, String... headers) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), local().port)) {
            s.setSoTimeout(30_000);
            String head = "POST " + path + " HTTP/1.1\r\nHost: " + own() + "\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n" + String.join("\r\n", headers) + "\r\n\r\n";
            s.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().write(body);
            s.getOutputStream().flush();
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int split = all.indexOf("\r\n\r\n");
            return new Reply(Integer.parseInt(all.split(" ")[1]), all.substring(0, split), all.substring(split + 4));
        }
    }

    @Test
    void thePrintedUrlsTokenBecomesASameSiteCookieAndLeavesTheAddressBar() throws Exception {
        assertTrue(local().logTail().contains("?token=" + local().token), "the page URL with its token is printed at start");
        Reply open = get(local().port, "/?token=" + local().token + "&job=abc", own());
        assertEquals(302, open.status(), open.head());
        assertEquals("/?job=abc", open.header("Location"));
        String cookie = open.header("Set-Cookie");
        assertTrue(cookie.startsWith("dreamscape-token-" + local().port + "=" + local().token), cookie);
        String attrs = cookie.toLowerCase(Locale.ROOT);
        assertTrue(attrs.contains("httponly") && attrs.contains("samesite=strict"), cookie);
        assertEquals(200, get(local().port, "/jobs", own(), "Cookie: " + cookie.split(";")[0]).status());
        assertEquals(401, get(local().port, "/jobs", own(), "Cookie: dreamscape-token-" + local().port + "=wrong").status());
        Reply wrong = get(local().port, "/?token=wrong", own());
        assertEquals(200, wrong.status(), "a wrong token shows the page, without a cookie");
        assertEquals(null, wrong.header("Set-Cookie"));
    }

    @Test
    void anUploadOverMaxUploadGets413AndLeavesNothingBehind() throws Exception {
        List<Path> before = uploads();
        String head = "POST /upload?name=huge.jpg HTTP/1.1\r\nHost: " + own() + "\r\nAuthorization: Bearer " + local().token
                + "\r\nContent-Type: application/octet-stream";
        Reply chunked = send(local().port, head + "\r\nTransfer-Encoding: chunked", 2L * TEN_MIB, true);
        assertEquals(413, chunked.status(), chunked.body());
        assertTrue(chunked.body().contains("at most " + TEN_MIB + " bytes"), chunked.body());
        Reply declared = send(local().port, head + "\r\nContent-Length: " + 2L * TEN_MIB, 2L * TEN_MIB, false);
        assertEquals(413, declared.status(), declared.body());
        assertTrue(declared.body().contains(2L * TEN_MIB + " bytes"), declared.body());
        assertEquals(before, uploads());
        try (Stream<Path> scratch = Files.walk(local().data.resolve(".dreamscape/scratch"))) {
            assertEquals(List.of(), scratch.filter(p -> p.getFileName().toString().endsWith(".part")).toList());
        }
        assertTrue(local().alive());
    }
}
