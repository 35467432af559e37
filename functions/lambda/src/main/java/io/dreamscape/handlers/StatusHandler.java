package io.dreamscape.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.dreamscape.log.JsonLog;
import io.dreamscape.service.AccessToken;
import io.dreamscape.service.DeepZoomService;
import io.dreamscape.service.ListingAccess;
import io.dreamscape.service.LiveMosaic;
import io.dreamscape.service.StatusApi;
import io.dreamscape.service.StatusService;
import io.dreamscape.service.TileDelivery;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The status API ({@link StatusApi}) behind an API Gateway HTTP API (payload format 2.0): this class only translates
 * the event to a {@link StatusApi.Request} and the answer back, and says what is the cloud's own: tiles are
 * {@linkplain TileDelivery#redirect redirects}, listing without a token is {@linkplain ListingAccess#cloud disabled},
 * only GET (and HEAD) are allowed, bodies other than text are base64. Routes {@code GET /}, {@code GET /jobs},
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
    private final StatusApi api;
    private final ListingAccess listing;

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
        this.listing = ListingAccess.cloud(token);
        this.api = service == null ? null : new StatusApi(service, StatusService::page,
                TileDelivery.redirect(service.deepZoom()), listing, true);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        JsonLog log = Logs.forInvocation("status", context);
        String method = event.getRequestContext() != null && event.getRequestContext().getHttp() != null
                ? event.getRequestContext().getHttp().getMethod() : "GET";
        String path = event.getRawPath() == null || event.getRawPath().isEmpty() ? "/" : event.getRawPath();
        try {
            if (!"GET".equalsIgnoreCase(method) && !"HEAD".equalsIgnoreCase(method)) {
                return response(StatusApi.Response.error(405, "only GET is supported"));
            }
            StatusApi.Request request = new StatusApi.Request("GET", path, event.getQueryStringParameters(),
                    Arrays.asList(AccessToken.bearer(header(event, "authorization"))));
            Optional<StatusApi.Response> answer = api.handle(request);
            if (answer.isPresent() && answer.get().status() == 401) {
                log.warn("list refused: missing or wrong token");
            }
            return response(answer.orElseGet(() -> StatusApi.Response.error(404, "not found: " + path)));
        } catch (IllegalArgumentException e) {
            return response(StatusApi.Response.error(400, e.getMessage()));
        } catch (Exception e) {
            log.error("status request failed", e, "path", path);
            return response(StatusApi.Response.error(500, "internal error; see the logs"));
        }
    }

    /** Whether an {@code Authorization} header value may list jobs (the token source is asked only if one is given). */
    boolean authorised(String header) {
        return listing.allows(Arrays.asList(AccessToken.bearer(header)));
    }

    private static String header(APIGatewayV2HTTPEvent event, String name) {
        if (event.getHeaders() == null) return null;
        for (Map.Entry<String, String> e : event.getHeaders().entrySet()) {
            if (e.getKey().equalsIgnoreCase(name)) return e.getValue();
        }
        return null;
    }

    /** Every answer says its type, is not cached unless the route says otherwise, and is never content-sniffed. */
    private static APIGatewayV2HTTPResponse response(StatusApi.Response r) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("content-type", r.contentType());
        headers.put("cache-control", "no-store");
        headers.put("x-content-type-options", "nosniff");
        headers.putAll(r.headers());
        boolean text = r.contentType().startsWith("text/") || r.contentType().startsWith("application/json")
                || r.contentType().startsWith("application/xml");
        return APIGatewayV2HTTPResponse.builder().withStatusCode(r.status()).withHeaders(headers)
                .withBody(text ? r.text() : Base64.getEncoder().encodeToString(r.body()))
                .withIsBase64Encoded(!text).build();
    }
}
