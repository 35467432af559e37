package io.dreamscape.local;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import io.dreamscape.service.AccessToken;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@link LocalAccess} in front of every route of the web server: a foreign Host or a cross-site state-changing request
 * gets 403 before any route runs; the page opened with {@code ?token=…} gets the token as a cookie (HttpOnly,
 * SameSite=Strict, named per port since cookies do not tell ports apart) and is sent on without it, so the token does
 * not stay in the address bar, the history or a Referer.
 */
final class LocalAccessFilter extends Filter {
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");

    private final LocalAccess access;
    private final String cookieName;
    private final boolean secure;

    LocalAccessFilter(LocalAccess access, int port) {
        this(access, port, false);
    }

    /** {@code secure}: the server speaks HTTPS, so the cookie is sent over HTTPS only. */
    LocalAccessFilter(LocalAccess access, int port, boolean secure) {
        this.access = access;
        this.cookieName = cookieName(port);
        this.secure = secure;
    }

    static String cookieName(int port) {
        return "dreamscape-token-" + port;
    }

    @Override
    public String description() {
        return "Host allow-list, Origin check and token cookie of local mode";
    }

    @Override
    public void doFilter(HttpExchange x, Chain chain) throws IOException {
        String host = x.getRequestHeaders().getFirst("Host");
        if (!access.hostAllowed(host)) {
            refuse(x, "this server does not answer to the host name '" + host + "' (a web page that made its name point "
                    + "here must not read it): open it as " + String.join(", ", access.hosts()) + " or add the name with "
                    + "--allow-host");
            return;
        }
        String method = x.getRequestMethod().toUpperCase(java.util.Locale.ROOT);
        if (!SAFE.contains(method) && !access.originAllowed(x.getRequestHeaders().getFirst("Origin"), host,
                x.getRequestHeaders().getFirst("Sec-Fetch-Site"))) {
            refuse(x, "this request came from another web site (Origin " + x.getRequestHeaders().getFirst("Origin")
                    + "); only this server's own page may change anything here");
            return;
        }
        String path = x.getRequestURI().getRawPath();
        String token = queryToken(x.getRequestURI().getRawQuery());
        if (method.equals("GET") && token != null && (path.equals("/") || path.equals("/index.html"))
                && access.tokenMatches(token)) {
            x.getResponseHeaders().add("Set-Cookie", cookieName + "=" + access.token()
                    + "; Path=/; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : ""));
            String rest = withoutToken(x.getRequestURI().getRawQuery());
            x.getResponseHeaders().set("Location", path + (rest.isEmpty() ? "" : "?" + rest));
            x.getResponseHeaders().set("Cache-Control", "no-store");
            x.sendResponseHeaders(302, -1);
            x.close();
            return;
        }
        chain.doFilter(x);
    }

    /**
     * What the request presents as the token, for {@link io.dreamscape.service.ListingAccess} to compare: the
     * {@code Authorization: Bearer} header, the page's cookie, {@code ?token=} (nulls where absent).
     */
    List<String> presented(HttpExchange x) {
        List<String> tokens = new ArrayList<>();
        tokens.add(AccessToken.bearer(x.getRequestHeaders().getFirst("Authorization")));
        for (String c : x.getRequestHeaders().getOrDefault("Cookie", List.of())) {
            tokens.add(LocalAccess.cookie(c, cookieName));
        }
        tokens.add(queryToken(x.getRequestURI().getRawQuery()));
        return tokens;
    }

    private static String queryToken(String rawQuery) {
        if (rawQuery == null) return null;
        for (String pair : rawQuery.split("&")) {
            if (pair.startsWith("token=")) return URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
        }
        return null;
    }

    private static String withoutToken(String rawQuery) {
        List<String> keep = new ArrayList<>();
        for (String pair : rawQuery.split("&")) {
            if (!pair.startsWith("token=") && !pair.isEmpty()) keep.add(pair);
        }
        return String.join("&", keep);
    }

    private static void refuse(HttpExchange x, String message) throws IOException {
        byte[] body = ("{\"error\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(message).toString() + "}")
                .getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.getResponseHeaders().set("Cache-Control", "no-store");
        x.sendResponseHeaders(403, body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
        x.close();
    }
}
