package io.dreamscape.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dreamscape.job.Presets;
import io.dreamscape.job.ParameterOverrides;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.log.JsonLog;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.service.AccessToken;
import io.dreamscape.service.ListingAccess;
import io.dreamscape.service.Rejection;
import io.dreamscape.service.StatusApi;
import io.dreamscape.service.StatusService;
import io.dreamscape.service.TileDelivery;
import io.dreamscape.service.UploadParameters;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.function.IntSupplier;
import java.util.regex.Pattern;
import org.gaul.s3proxy.blobstore.BlobStore;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * The web side of local mode, on the JDK's HTTP server: the status API and page of the cloud (the same
 * {@link StatusApi} as the cloud's Lambda, with tiles {@linkplain TileDelivery#bytes as bytes} and listing
 * {@linkplain ListingAccess#workstation open when no token is set}), plus what only a workstation needs.
 *
 * <pre>
 * GET  /                    the status page, with an upload panel (local/upload.js) added
 * GET  /jobs/{jobId}        one job (the id is the capability: no token needed, as in the cloud)
 * GET  /jobs?key=&amp;limit=&amp;next=  recent jobs, newest first (token required when a token is set)
 * POST /upload?name=&amp;preset=  body = the image, header X-Dreamscape-Params = parameters JSON (optional): stores it
 *                           under uploads/[preset/]name with x-amz-meta-dreamscape, exactly as an S3 upload would
 * GET  /files/{key}?expires=&amp;sig=   presigned downloads (see {@link UrlSigner})
 * GET  /config              {auth, presets, bucket, s3Endpoint, pending, defaults} for the page
 * GET  /local/*             the upload panel's script and style
 * GET  /viewer/*, /jobs/{jobId}/deepzoom/*, /jobs/{jobId}/live.jpg   as the cloud ({@link StatusApi})
 * GET  /parameters, POST /parameters/check, POST /quote   the parameter form and quotes ({@link PageRoutes})
 * </pre>
 * Listing and uploading need the token (local mode makes one at every start unless given): {@code Authorization:
 * Bearer TOKEN}, or the cookie the page gets when opened with {@code ?token=} (see {@link LocalAccessFilter}, which
 * also refuses foreign Host names and cross-site state changes before any route runs). Page uploads above
 * {@link #maxUpload} get 413 and leave nothing behind.
 */
final class WebServer implements AutoCloseable {
    static final String PARAMS_HEADER = "X-Dreamscape-Params";
    private static final String NEEDS_TOKEN = "this server needs its token: open the page through the address printed "
            + "at start (…/?token=…), enter the token in the page's token field, or send Authorization: Bearer TOKEN";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 ._()-]{0,150}");

    private final Object uploadLock = new Object();
    private final HttpServer server;
    private final LocalObjectStore objects;
    private final BlobStore blobs;
    private final UrlSigner signer;
    private final String token;
    private final Path scratch;
    private final String s3Endpoint;
    private final IntSupplier pending;
    private final JsonLog log;
    private final PageRoutes views;
    private final ListingAccess listing;
    private final StatusApi api;
    private final com.sun.net.httpserver.HttpContext context;
    private LocalAccessFilter guard;
    private long maxUpload = Long.MAX_VALUE;

    WebServer(InetSocketAddress address, StatusService status, LocalObjectStore objects, BlobStore blobs, UrlSigner signer,
              String token, Path scratch, String s3Endpoint, IntSupplier pending, JsonLog log) throws IOException {
        this(address, status, objects, blobs, signer, token, scratch, s3Endpoint, pending, log, null);
    }

    /** {@code tls}: serve HTTPS with this context (null: plain HTTP). */
    WebServer(InetSocketAddress address, StatusService status, LocalObjectStore objects, BlobStore blobs, UrlSigner signer,
              String token, Path scratch, String s3Endpoint, IntSupplier pending, JsonLog log,
              javax.net.ssl.SSLContext tls) throws IOException {
        this.objects = objects;
        this.blobs = blobs;
        this.signer = signer;
        this.token = token;
        this.scratch = scratch;
        this.s3Endpoint = s3Endpoint;
        this.pending = pending;
        this.log = log;
        this.listing = ListingAccess.workstation(token, NEEDS_TOKEN);
        // As the cloud's status API, but the page has the upload panel, tiles come from the local bucket as bytes,
        // and a server started without a token lets anyone who reaches it list jobs.
        this.api = new StatusApi(status, WebServer::page, TileDelivery.bytes(objects), listing, false);
        this.views = new PageRoutes(objects, new io.dreamscape.service.QuoteService(
                io.dreamscape.service.PlannerConfig.fromEnv(System.getenv()), io.dreamscape.service.Limits.fromEnv(System.getenv())));
        if (tls == null) {
            this.server = HttpServer.create(address, 64);
        } else {
            com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(address, 64);
            https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
            this.server = https;
        }
        context = server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "dreamscape-web");
            t.setDaemon(true);
            return t;
        }));
    }

    void start() {
        server.start();
    }

    /** Puts {@link LocalAccessFilter} in front of every route; it also decides what carries the token. */
    void guard(LocalAccessFilter filter) {
        this.guard = filter;
        context.getFilters().add(filter);
    }

    /** Page uploads larger than this get 413 and leave nothing behind. */
    void maxUpload(long bytes) {
        this.maxUpload = bytes;
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getRawPath();
            String method = x.getRequestMethod();
            Map<String, String> q = query(x.getRequestURI().getRawQuery());
            Optional<StatusApi.Response> answer = api.handle(new StatusApi.Request(method, path, q, presented(x)));
            if (answer.isPresent()) {
                PageRoutes.write(x, answer.get());
            } else if (views.handles(method, path)) {
                views.handle(x, path);
            } else if (method.equals("POST") && path.equals("/upload")) {
                if (!authorised(x)) return;
                upload(x, q);
            } else if (method.equals("GET") && path.startsWith("/files/")) {
                file(x, decode(path.substring("/files/".length())), q);
            } else if (method.equals("GET") && path.equals("/config")) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("auth", token != null && !hasToken(x)); // whether the page must ask for the token
                c.put("presets", Presets.ALL.stream().map(p -> Map.of("name", p.name(), "description", p.description())).toList());
                c.put("bucket", objects.bucket());
                c.put("s3Endpoint", s3Endpoint);
                c.put("pending", pending.getAsInt());
                c.put("defaults", objects.siteDefaults().equals(ParameterOverrides.NONE) ? null : objects.siteDefaults());
                json(x, 200, c);
            } else if (method.equals("GET") && path.startsWith("/local/") && !path.contains("..")) {
                asset(x, path);
            } else {
                error(x, method.equals("GET") || method.equals("POST") ? 404 : 405, "no route " + method + " " + path);
            }
        } catch (RuntimeException | IOException e) {
            log.error("web request failed", e, "path", x.getRequestURI().toString());
            try {
                error(x, 500, "internal error: " + e.getMessage());
            } catch (IOException | RuntimeException ignored) {
                // response already started
            }
        }
    }

    /** The cloud's status page with the upload panel added. */
    static String page() {
        String html = StatusService.page();
        String head = "<link rel=\"stylesheet\" href=\"local/upload.css\">\n<script src=\"local/upload.js\" defer></script>\n"
                + "<script src=\"local/form.js\" defer></script>\n<script src=\"local/quote.js\" defer></script>\n";
        String panel = "\n<section id=\"local-upload\"></section>\n";
        html = html.contains("</head>") ? html.replace("</head>", head + "</head>") : head + html;
        int h1 = html.indexOf("</h1>");
        return h1 >= 0 ? html.substring(0, h1 + 5) + panel + html.substring(h1 + 5)
                : html.replace("</body>", panel + "</body>");
    }

    private void upload(HttpExchange x, Map<String, String> q) throws IOException {
        String name = q.getOrDefault("name", "").strip();
        int slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
        name = name.substring(slash + 1);
        if (!NAME.matcher(name).matches()) {
            error(x, 400, "file name '" + name + "' is empty or has characters other than letters, digits, space, . _ - ( )");
            return;
        }
        String preset = q.get("preset");
        if (preset != null && preset.isBlank()) preset = null;
        String params = x.getRequestHeaders().getFirst(PARAMS_HEADER);
        if (params != null && params.isBlank()) params = null;
        String key = StorageLayout.UPLOADS + (preset == null ? "" : preset + "/") + name;
        try {
            UploadParameters.resolve(objects.siteDefaults(), UploadParameters.presetOf(key), params);
        } catch (Rejection e) {
            error(x, 400, e.getMessage());
            return;
        }
        String declared = x.getRequestHeaders().getFirst("Content-Length");
        if (declared != null && declared.matches("\\d{1,19}") && Long.parseLong(declared) > maxUpload) {
            tooLarge(x, Long.parseLong(declared) + " bytes");
            return; // the body is not read: the server drops the connection after a little of it
        }
        Files.createDirectories(scratch);
        Path tmp = Files.createTempFile(scratch, "upload-", ".part");
        try {
            long size;
            try (InputStream in = x.getRequestBody()) {
                size = copyAtMost(in, tmp, maxUpload);
            }
            if (size < 0) {
                tooLarge(x, "more than that");
                return;
            }
            // Choosing a free name and storing under it is one step for all page uploads, so two uploads of cat.jpg
            // at once become cat.jpg and cat-2.jpg rather than one replacing the other.
            synchronized (uploadLock) {
                key = freeKey(key);
                PutObjectRequest.Builder put = PutObjectRequest.builder().bucket(objects.bucket()).key(key)
                        .contentType(contentType(key)).contentLength(size);
                if (params != null) {
                    put.metadata(Map.of(UploadParameters.METADATA_NAME, params));
                }
                try (InputStream in = Files.newInputStream(tmp)) {
                    blobs.putBlob(put.build(), in);
                }
            }
            log.info("uploaded through the page", "key", key, "bytes", size);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("key", key);
            r.put("bytes", size);
            json(x, 201, r);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Copies {@code in} to {@code file}; -1 (and stops reading) once more than {@code limit} bytes arrived. */
    private static long copyAtMost(InputStream in, Path file, long limit) throws IOException {
        long n = 0;
        byte[] buf = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int r; (r = in.read(buf)) >= 0; ) {
                n += r;
                if (n > limit) return -1;
                out.write(buf, 0, r);
            }
        }
        return n;
    }

    private void tooLarge(HttpExchange x, String size) throws IOException {
        log.warn("page upload refused: too large", "limit", maxUpload, "size", size);
        x.getResponseHeaders().set("Connection", "close");
        error(x, 413, "the upload is " + size + "; this server takes at most " + maxUpload + " bytes per upload "
                + "(dreamscape local --max-upload): make the image smaller, or put it into the uploads folder directly");
    }

    /** {@code key}, or {@code name-2.ext}, {@code name-3.ext}… when taken: an upload never replaces an earlier input. */
    private String freeKey(String key) throws IOException {
        if (objects.head(key).isEmpty()) return key;
        int dot = key.lastIndexOf('.');
        for (int i = 2; ; i++) {
            String k = key.substring(0, dot) + "-" + i + key.substring(dot);
            if (objects.head(k).isEmpty()) return k;
        }
    }

    private void file(HttpExchange x, String key, Map<String, String> q) throws IOException {
        if (!signer.verify(key, q.get("expires"), q.get("sig"))) {
            error(x, 403, "this download link is not valid or has expired: reload the page for a fresh one");
            return;
        }
        Optional<ObjectStore.ObjectInfo> head = objects.head(key);
        if (head.isEmpty()) {
            error(x, 404, "no object " + key);
            return;
        }
        x.getResponseHeaders().set("Content-Type", contentType(key));
        x.getResponseHeaders().set("Cache-Control", "private, max-age=300");
        x.sendResponseHeaders(200, head.get().size());
        try (InputStream in = objects.open(key); OutputStream out = x.getResponseBody()) {
            in.transferTo(out);
        }
    }

    private void asset(HttpExchange x, String path) throws IOException {
        try (InputStream in = WebServer.class.getResourceAsStream(path)) {
            if (in == null) {
                error(x, 404, "no asset " + path);
                return;
            }
            String type = path.endsWith(".js") ? "text/javascript; charset=utf-8"
                    : path.endsWith(".css") ? "text/css; charset=utf-8" : "application/octet-stream";
            send(x, 200, type, in.readAllBytes());
        }
    }

    /** Uploading needs what listing needs: the token, when there is one. */
    private boolean authorised(HttpExchange x) throws IOException {
        if (hasToken(x)) return true;
        x.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        error(x, 401, NEEDS_TOKEN);
        return false;
    }

    private boolean hasToken(HttpExchange x) {
        return listing.allows(presented(x));
    }

    /** The tokens the request presents: with the guard, also the page's cookie and {@code ?token=}. */
    private List<String> presented(HttpExchange x) {
        return guard != null ? guard.presented(x)
                : Arrays.asList(AccessToken.bearer(x.getRequestHeaders().getFirst("Authorization")));
    }

    static String contentType(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        if (k.endsWith(".jpg") || k.endsWith(".jpeg")) return "image/jpeg";
        if (k.endsWith(".png")) return "image/png";
        if (k.endsWith(".tif") || k.endsWith(".tiff")) return "image/tiff";
        if (k.endsWith(".json")) return "application/json";
        return "application/octet-stream";
    }

    private static void json(HttpExchange x, int code, Object body) throws IOException {
        PageRoutes.json(x, code, body);
    }

    private static void error(HttpExchange x, int code, String message) throws IOException {
        PageRoutes.error(x, code, message);
    }

    private static void send(HttpExchange x, int code, String type, byte[] body) throws IOException {
        PageRoutes.send(x, code, type, body);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> m = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return m;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            m.putIfAbsent(k, v);
        }
        return m;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
