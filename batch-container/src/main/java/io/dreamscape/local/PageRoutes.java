package io.dreamscape.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.service.DeepZoomService;
import io.dreamscape.service.LiveMosaic;
import io.dreamscape.service.QuoteService;
import io.dreamscape.service.Rejection;
import io.dreamscape.service.StatusService;
import io.dreamscape.service.ViewerAssets;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The page's own routes beyond the status API, registered by {@link WebServer}:
 *
 * <pre>
 * GET  /parameters                         the form's description ({@link ParameterForm})
 * POST /parameters/check                   {preset?, parameters} → {parameters: resolved} or 400 with the sentence
 * POST /quote                               {width, height, preset?, parameters?} → the plan's quote
 *                                           ({@link QuoteService}); unusable input → 400 {"error": "a sentence"}
 * GET /jobs/{jobId}/live.jpg                a multi-shard job's live preview mosaic ({@link LiveMosaic})
 * GET /viewer/{file}                        OpenSeadragon's script and images (from its WebJar)
 * GET /jobs/{jobId}/deepzoom/dream.dzi      the descriptor   } as the cloud ({@link DeepZoomService}), but a tile is
 * GET /jobs/{jobId}/deepzoom/dream_files/…  a tile           }  streamed from the local bucket instead of redirected
 * </pre>
 */
final class PageRoutes {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Pattern VIEWER = Pattern.compile("/viewer/(.+)");

    private static final int MAX_QUOTE_REQUEST = 64 * 1024;

    private final DeepZoomService deepZoom;
    private final LiveMosaic liveMosaic;
    private final LocalObjectStore objects;
    private final QuoteService quotes;
    private final ParameterForm form;

    PageRoutes(StatusService status, LocalObjectStore objects, QuoteService quotes) {
        this.deepZoom = status.deepZoom();
        this.liveMosaic = status.liveMosaic();
        this.objects = objects;
        this.quotes = quotes;
        this.form = new ParameterForm(objects);
    }

    boolean handles(String method, String path) {
        return method.equals("GET") && (VIEWER.matcher(path).matches() || DeepZoomService.ROUTE.matcher(path).matches()
                || LiveMosaic.ROUTE.matcher(path).matches()
                || path.equals("/parameters"))
                || method.equals("POST") && (path.equals("/quote") || path.equals("/parameters/check"));
    }

    void handle(HttpExchange x, String path) throws IOException {
        if (path.equals("/quote")) {
            quote(x);
            return;
        }
        if (path.equals("/parameters")) {
            json(x, 200, form.describe());
            return;
        }
        if (path.equals("/parameters/check")) {
            byte[] body = body(x);
            if (body == null) return;
            try {
                json(x, 200, java.util.Map.of("parameters", form.check(body)));
            } catch (Rejection e) {
                error(x, 400, e.getMessage());
            }
            return;
        }
        Matcher viewer = VIEWER.matcher(path);
        if (viewer.matches()) {
            Optional<ViewerAssets.Asset> a = ViewerAssets.get(viewer.group(1));
            if (a.isEmpty()) {
                error(x, 404, "no viewer file " + viewer.group(1));
                return;
            }
            x.getResponseHeaders().set("Cache-Control", "public, max-age=86400");
            send(x, 200, a.get().contentType(), a.get().bytes());
            return;
        }
        Matcher mosaic = LiveMosaic.ROUTE.matcher(path);
        if (mosaic.matches()) {
            switch (liveMosaic.resolve(mosaic.group(1))) {
                case LiveMosaic.Missing m -> error(x, 404, m.message());
                case LiveMosaic.Picture p -> {
                    x.getResponseHeaders().set("Cache-Control", "no-store");
                    send(x, 200, "image/jpeg", p.jpeg());
                }
            }
            return;
        }
        Matcher zoom = DeepZoomService.ROUTE.matcher(path);
        if (!zoom.matches()) {
            error(x, 404, "no route " + path);
            return;
        }
        switch (deepZoom.resolve(zoom.group(1), zoom.group(2))) {
            case DeepZoomService.Missing m -> error(x, 404, m.message());
            case DeepZoomService.Descriptor d -> {
                x.getResponseHeaders().set("Cache-Control", "private, max-age=300");
                send(x, 200, "application/xml", d.xml().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            case DeepZoomService.Tile t -> tile(x, t.key());
        }
    }

    /** Parameters resolve as an upload's would here: local mode's defaults under the request's own. */
    private void quote(HttpExchange x) throws IOException {
        byte[] body = body(x);
        if (body == null) return;
        try {
            json(x, 200, quotes.quoteRequest(body, objects.siteDefaults()));
        } catch (Rejection e) {
            error(x, 400, e.getMessage());
        }
    }

    /** The request's JSON body, or null after answering 413 when it is over 64 KiB. */
    private static byte[] body(HttpExchange x) throws IOException {
        byte[] body;
        try (InputStream in = x.getRequestBody()) {
            body = in.readNBytes(MAX_QUOTE_REQUEST + 1);
        }
        if (body.length > MAX_QUOTE_REQUEST) {
            error(x, 413, "a request to this route is at most 64 KiB of JSON");
            return null;
        }
        return body;
    }

    private void tile(HttpExchange x, String key) throws IOException {
        Optional<ObjectStore.ObjectInfo> head = objects.head(key);
        if (head.isEmpty()) {
            error(x, 404, "no such tile");
            return;
        }
        x.getResponseHeaders().set("Content-Type", "image/jpeg");
        x.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        x.getResponseHeaders().set("Cache-Control", "private, max-age=3600");
        x.sendResponseHeaders(200, head.get().size());
        try (InputStream in = objects.open(key); OutputStream out = x.getResponseBody()) {
            in.transferTo(out);
        }
    }

    static void error(HttpExchange x, int code, String message) throws IOException {
        x.getResponseHeaders().set("Cache-Control", "no-store");
        send(x, code, "application/json", JSON.writeValueAsBytes(Map.of("error", message)));
    }

    static void json(HttpExchange x, int code, Object body) throws IOException {
        x.getResponseHeaders().set("Cache-Control", "no-store");
        send(x, code, "application/json", JSON.writeValueAsBytes(body));
    }

    static void send(HttpExchange x, int code, String type, byte[] body) throws IOException {
        x.getResponseHeaders().set("Content-Type", type);
        x.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        x.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
