package io.dreamscape.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.dreamscape.job.JobId;
import io.dreamscape.log.JsonLog;
import io.dreamscape.service.DeepZoomService;
import io.dreamscape.service.LiveMosaic;
import io.dreamscape.service.StatusService;
import io.dreamscape.service.ViewerAssets;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The status API behind an API Gateway HTTP API (payload format 2.0), routes {@code GET /}, {@code GET /jobs},
 * {@code GET /jobs/{jobId}}, {@code GET /jobs/{jobId}/live.jpg} ({@link LiveMosaic}), {@code GET /jobs/{jobId}/deepzoom/…} ({@link DeepZoomService}: descriptor, and tiles as
 * short redirects to presigned URLs), {@code GET /viewer/…} (the deep-zoom viewer's script, from its WebJar) (a stage
 * prefix such as {@code /prod} is tolerated).
 *
 * <p><b>Security.</b> A job id is a 128-bit random capability: {@code GET /jobs/{jobId}} needs nothing else, so a
 * job's page can be shared; an unknown or malformed id is 404 either way. Listing ({@code GET /jobs}) requires
 * {@code Authorization: Bearer <token>}, compared in constant time. In AWS the token is read from Secrets Manager
 * ({@code STATUS_TOKEN_SECRET_ARN}, see {@link io.dreamscape.aws.SecretToken}); elsewhere it may come from
 * {@code STATUS_TOKEN}; with neither, listing is disabled (403). Missing/wrong token: 401. Presigned URLs live {@code URL_TTL_SECONDS}
 * (default 900, at most 3600).
 *
 * <p>{@code GET /jobs?key=uploads/…&limit=20&next=…} → {@code {"jobs": [...], "next": "…" | null}}, newest first.
 */
public final class StatusHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Pattern JOB = Pattern.compile("(?:.*)/jobs/([^/]+)/?$");
    private static final Pattern LIST = Pattern.compile("(?:.*)/jobs/?$");
    private static final Pattern VIEWER = Pattern.compile("(?:.*)/viewer/(.+)$");

    private final StatusService service;
    /** Null: listing disabled. */
    private final Supplier<String> token;

    public StatusHandler() {
        this(Wiring.get().statusToken(), Wiring.get().status());
    }

    /** {@code token} null or blank disables listing. */
    public StatusHandler(StatusService service, String token) {
        this(token == null || token.isBlank() ? null : () -> token, service);
    }

    /** {@code token} null disables listing; it is asked on each list request (it may cache, e.g. a secret). */
    public static StatusHandler withTokenSource(StatusService service, Supplier<String> token) {
        return new StatusHandler(token, service);
    }

    private StatusHandler(Supplier<String> token, StatusService service) {
        this.service = service;
        this.token = token;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        JsonLog log = Logs.forInvocation("status", context);
        String method = event.getRequestContext() != null && event.getRequestContext().getHttp() != null
                ? event.getRequestContext().getHttp().getMethod() : "GET";
        String path = event.getRawPath() == null ? "/" : event.getRawPath();
        try {
            if (!"GET".equalsIgnoreCase(method) && !"HEAD".equalsIgnoreCase(method)) {
                return json(405, error("only GET is supported"));
            }
            Matcher viewer = VIEWER.matcher(path);
            if (viewer.matches()) {
                return viewerAsset(viewer.group(1));
            }
            Matcher zoom = DeepZoomService.ROUTE.matcher(path);
            if (zoom.matches()) {
                return deepZoom(zoom.group(1), zoom.group(2));
            }
            Matcher mosaic = LiveMosaic.ROUTE.matcher(path);
            if (mosaic.matches()) {
                return liveMosaic(mosaic.group(1));
            }
            Matcher job = JOB.matcher(path);
            if (job.matches()) {
                String id = job.group(1);
                if (!JobId.isValid(id)) {
                    return json(404, error("no such job"));
                }
                log = log.with("jobId", id);
                Optional<Map<String, Object>> view = service.job(JobId.of(id));
                return view.map(v -> json(200, v)).orElseGet(() -> json(404, error("no such job")));
            }
            if (LIST.matcher(path).matches()) {
                return list(event, log);
            }
            if (path.isEmpty() || path.endsWith("/") || path.endsWith("/index.html")) {
                return response(200, "text/html; charset=utf-8", StatusService.page());
            }
            return json(404, error("not found: " + path));
        } catch (IllegalArgumentException e) {
            return json(400, error(e.getMessage()));
        } catch (Exception e) {
            log.error("status request failed", e, "path", path);
            return json(500, error("internal error; see the logs"));
        }
    }

    private static APIGatewayV2HTTPResponse viewerAsset(String file) throws java.io.IOException {
        Optional<ViewerAssets.Asset> a = ViewerAssets.get(file);
        if (a.isEmpty()) {
            return json(404, error("no viewer file " + file));
        }
        boolean text = a.get().contentType().startsWith("text/");
        APIGatewayV2HTTPResponse r = response(200, a.get().contentType(),
                text ? new String(a.get().bytes(), StandardCharsets.UTF_8) : java.util.Base64.getEncoder().encodeToString(a.get().bytes()));
        r.setIsBase64Encoded(!text);
        r.getHeaders().put("cache-control", "public, max-age=86400");
        return r;
    }

    /** The descriptor inline; a tile as a 302 to a presigned URL (an {@code <img>} follows it; the bucket stays private). */
    private APIGatewayV2HTTPResponse deepZoom(String id, String file) throws Exception {
        return switch (service.deepZoom().resolve(id, file)) {
            case DeepZoomService.Missing m -> json(404, error(m.message()));
            case DeepZoomService.Descriptor d -> {
                APIGatewayV2HTTPResponse r = response(200, "application/xml", d.xml());
                r.getHeaders().put("cache-control", "private, max-age=300");
                yield r;
            }
            case DeepZoomService.Tile t -> {
                APIGatewayV2HTTPResponse r = response(302, "text/plain", "");
                r.getHeaders().put("location", service.deepZoom().presign(t).toString());
                // The browser may reuse the redirect while the URL it points to is still valid.
                r.getHeaders().put("cache-control", "private, max-age="
                        + (DeepZoomService.TILE_URL_TTL.toSeconds() - 60));
                yield r;
            }
        };
    }

    /** A multi-shard job's live preview, composed now; never cached (it changes with every octave). */
    private APIGatewayV2HTTPResponse liveMosaic(String id) throws Exception {
        return switch (service.liveMosaic().resolve(id)) {
            case LiveMosaic.Missing m -> json(404, error(m.message()));
            case LiveMosaic.Picture p -> {
                APIGatewayV2HTTPResponse r = response(200, "image/jpeg",
                        java.util.Base64.getEncoder().encodeToString(p.jpeg()));
                r.setIsBase64Encoded(true);
                r.getHeaders().put("cache-control", "no-store");
                yield r;
            }
        };
    }

    private APIGatewayV2HTTPResponse list(APIGatewayV2HTTPEvent event, JsonLog log) throws Exception {
        if (token == null) {
            return json(403, error("listing jobs is disabled (no status token configured); open a job by its id"));
        }
        if (!authorised(header(event, "authorization"))) {
            log.warn("list refused: missing or wrong token");
            APIGatewayV2HTTPResponse r = json(401, error("listing jobs needs 'Authorization: Bearer <token>'"));
            r.getHeaders().put("www-authenticate", "Bearer");
            return r;
        }
        Map<String, String> q = event.getQueryStringParameters() == null ? Map.of() : event.getQueryStringParameters();
        int limit = 20;
        if (q.get("limit") != null) {
            try {
                limit = Integer.parseInt(q.get("limit"));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("limit must be a number from 1 to 100");
            }
        }
        return json(200, service.list(q.get("key"), limit, q.get("next")));
    }

    boolean authorised(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = sha256(header.substring(7).trim());
        byte[] expected = sha256(token.get());
        return MessageDigest.isEqual(given, expected);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String header(APIGatewayV2HTTPEvent event, String name) {
        if (event.getHeaders() == null) return null;
        for (Map.Entry<String, String> e : event.getHeaders().entrySet()) {
            if (e.getKey().equalsIgnoreCase(name)) return e.getValue();
        }
        return null;
    }

    private static Map<String, Object> error(String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", message);
        return m;
    }

    private static APIGatewayV2HTTPResponse json(int status, Object body) {
        try {
            return response(status, "application/json", JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static APIGatewayV2HTTPResponse response(int status, String type, String body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("content-type", type);
        headers.put("cache-control", "no-store");
        headers.put("x-content-type-options", "nosniff");
        return APIGatewayV2HTTPResponse.builder().withStatusCode(status).withHeaders(headers).withBody(body)
                .withIsBase64Encoded(false).build();
    }
}
