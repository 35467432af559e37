package io.dreamscape.local;

import com.sun.net.httpserver.HttpExchange;
import io.dreamscape.service.QuoteService;
import io.dreamscape.service.Rejection;
import io.dreamscape.service.StatusApi;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The local page's own routes beyond the status API ({@link io.dreamscape.service.StatusApi}), asked by
 * {@link WebServer}:
 *
 * <pre>
 * GET  /parameters                         the form's description ({@link ParameterForm})
 * POST /parameters/check                   {preset?, parameters} → {parameters: resolved} or 400 with the sentence
 * POST /quote                               {width, height, preset?, parameters?} → the plan's quote
 *                                           ({@link QuoteService}); unusable input → 400 {"error": "a sentence"}
 * </pre>
 */
record PageRoutes(LocalObjectStore objects, QuoteService quotes, ParameterForm form) {
    private static final int MAX_QUOTE_REQUEST = 64 * 1024;

    PageRoutes(LocalObjectStore objects, QuoteService quotes) {
        this(objects, quotes, new ParameterForm(objects));
    }

    boolean handles(String method, String path) {
        return method.equals("GET") && path.equals("/parameters")
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
        error(x, 404, "no route " + path);
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

    static void error(HttpExchange x, int code, String message) throws IOException {
        write(x, StatusApi.Response.error(code, message));
    }

    static void json(HttpExchange x, int code, Object body) throws IOException {
        write(x, StatusApi.Response.json(code, body));
    }

    /** An answer on the wire: its own headers (cache-control…), its type, and never content-sniffed. */
    static void write(HttpExchange x, StatusApi.Response r) throws IOException {
        r.headers().forEach((name, value) -> x.getResponseHeaders().set(name, value));
        send(x, r.status(), r.contentType(), r.body());
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
