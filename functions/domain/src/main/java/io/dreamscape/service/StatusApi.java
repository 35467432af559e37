package io.dreamscape.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.dreamscape.job.JobId;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The status API without a transport: the routes the cloud's {@code StatusHandler} (API Gateway → Lambda) and local
 * mode's {@code WebServer} (the JDK's HTTP server) both answer, decided once. A transport turns its request into a
 * {@link Request}, asks {@link #handle}, and writes the {@link Response} back; an empty answer means "not a status
 * route": the transport's own routes (local mode's upload, files, quote…) or its own 404 follow.
 *
 * <pre>
 * GET /                                 the page ({@code page}: the cloud's, or local mode's with its upload panel)
 * GET /jobs?key=&amp;limit=&amp;next=          recent jobs, newest first ({@link ListingAccess}); limit 1–100, default 20
 * GET /jobs/{jobId}                     one job; an unknown and a malformed id look the same (404)
 * GET /jobs/{jobId}/live.jpg            a multi-shard job's live preview ({@link LiveMosaic}), never cached
 * GET /jobs/{jobId}/deepzoom/dream.dzi  the deep-zoom descriptor ({@link DeepZoomService})
 * GET /jobs/{jobId}/deepzoom/…          a tile, as {@link TileDelivery} says (cloud: redirect; local: bytes)
 * GET /viewer/{file}                    the deep-zoom viewer's script and images (from its WebJar)
 * </pre>
 *
 * What differs between the two transports is passed in, not copied: the page, the tile delivery, who may list, and
 * whether a path may carry a prefix (API Gateway's stage, e.g. {@code /prod/jobs}). Errors a route does not answer
 * itself (a store that is down, a bad {@code next} cursor) are thrown for the transport to answer in its own way.
 */
public final class StatusApi {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    static final String BAD_LIMIT = "limit must be a number from 1 to 100";

    private final StatusService status;
    private final Supplier<String> page;
    private final TileDelivery tiles;
    private final ListingAccess listing;
    private final Pattern job;
    private final Pattern list;
    private final Pattern viewer;
    private final Pattern pageRoute;

    /**
     * @param stagePrefix whether routes may come after a prefix (API Gateway's stage); local mode's paths start at /
     */
    public StatusApi(StatusService status, Supplier<String> page, TileDelivery tiles, ListingAccess listing,
                     boolean stagePrefix) {
        this.status = status;
        this.page = page;
        this.tiles = tiles;
        this.listing = listing;
        String prefix = stagePrefix ? "(?:.*)" : "";
        this.job = Pattern.compile(prefix + "/jobs/([^/]+)/?$");
        this.list = Pattern.compile(prefix + "/jobs/?$");
        this.viewer = Pattern.compile(prefix + "/viewer/(.+)$");
        this.pageRoute = Pattern.compile(prefix + "/(?:index\\.html)?$");
    }

    /**
     * A request as the status API sees it.
     *
     * @param method upper case; a transport that answers HEAD like GET says GET
     * @param path   the raw (not yet percent-decoded) path
     * @param query  decoded query parameters, first value of each
     * @param tokens the tokens the request presents (bearer header, local mode's cookie…); nulls are dropped
     */
    public record Request(String method, String path, Map<String, String> query, List<String> tokens) {
        public Request {
            query = query == null ? Map.of() : query;
            tokens = tokens == null ? List.of() : tokens.stream().filter(Objects::nonNull).toList();
        }
    }

    /**
     * An answer: {@code headers} are lower-case names beyond the content type (cache-control, location…); a
     * transport adds what it always sends ({@code x-content-type-options: nosniff}; the cloud also a default
     * {@code cache-control: no-store}).
     */
    public record Response(int status, String contentType, byte[] body, Map<String, String> headers) {
        public Response {
            headers = Map.copyOf(headers);
        }

        public static Response json(int status, Object body) {
            try {
                return new Response(status, "application/json", JSON.writeValueAsBytes(body),
                        Map.of("cache-control", "no-store"));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        /** {@code {"error": message}}, as every route and both transports answer a refusal. */
        public static Response error(int status, String message) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("error", message);
            return json(status, m);
        }

        public Response with(String header, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(header, value);
            return new Response(status, contentType, body, h);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** The answer to a status route, or empty when {@code request} is not one (the transport's own routes follow). */
    public Optional<Response> handle(Request request) throws IOException {
        if (!"GET".equals(request.method())) {
            return Optional.empty();
        }
        String path = request.path();
        Matcher m = viewer.matcher(path);
        if (m.matches()) {
            return Optional.of(viewerAsset(m.group(1)));
        }
        m = DeepZoomService.ROUTE.matcher(path);
        if (m.matches()) {
            return Optional.of(deepZoom(m.group(1), m.group(2)));
        }
        m = LiveMosaic.ROUTE.matcher(path);
        if (m.matches()) {
            return Optional.of(liveMosaic(m.group(1)));
        }
        m = job.matcher(path);
        if (m.matches()) {
            String id = URLDecoder.decode(m.group(1).replace("+", "%2B"), StandardCharsets.UTF_8);
            Optional<Map<String, Object>> view = JobId.isValid(id) ? status.job(JobId.of(id)) : Optional.empty();
            return Optional.of(view.map(v -> Response.json(200, v)).orElseGet(() -> Response.error(404, "no such job")));
        }
        if (list.matcher(path).matches()) {
            return Optional.of(list(request));
        }
        if (pageRoute.matcher(path).matches()) {
            return Optional.of(new Response(200, "text/html; charset=utf-8",
                    page.get().getBytes(StandardCharsets.UTF_8), Map.of()));
        }
        return Optional.empty();
    }

    private Response list(Request request) throws IOException {
        Response refused = listing.check(request.tokens());
        if (refused != null) {
            return refused;
        }
        Map<String, String> q = request.query();
        OptionalInt limit = limit(q.get("limit"));
        if (limit.isEmpty()) {
            return Response.error(400, BAD_LIMIT);
        }
        return Response.json(200, status.list(q.get("key"), limit.getAsInt(), q.get("next")));
    }

    /** The list's page size: 20 when absent; empty when it is not a whole number from 1 to 100. */
    static OptionalInt limit(String value) {
        if (value == null) {
            return OptionalInt.of(20);
        }
        try {
            int n = Integer.parseInt(value);
            return n >= 1 && n <= 100 ? OptionalInt.of(n) : OptionalInt.empty();
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    private static Response viewerAsset(String file) throws IOException {
        Optional<ViewerAssets.Asset> a = ViewerAssets.get(file);
        if (a.isEmpty()) {
            return Response.error(404, "no viewer file " + file);
        }
        return new Response(200, a.get().contentType(), a.get().bytes(), Map.of("cache-control", "public, max-age=86400"));
    }

    private Response deepZoom(String id, String file) throws IOException {
        return switch (status.deepZoom().resolve(id, file)) {
            case DeepZoomService.Missing m -> Response.error(404, m.message());
            case DeepZoomService.Descriptor d -> new Response(200, "application/xml",
                    d.xml().getBytes(StandardCharsets.UTF_8), Map.of("cache-control", "private, max-age=300"));
            case DeepZoomService.Tile t -> tiles.deliver(t);
        };
    }

    /** Composed now from the shards' latest previews; never cached (it changes with every octave). */
    private Response liveMosaic(String id) throws IOException {
        return switch (status.liveMosaic().resolve(id)) {
            case LiveMosaic.Missing m -> Response.error(404, m.message());
            case LiveMosaic.Picture p -> new Response(200, "image/jpeg", p.jpeg(), Map.of("cache-control", "no-store"));
        };
    }
}
