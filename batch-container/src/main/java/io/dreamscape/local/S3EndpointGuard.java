package io.dreamscape.local;

import java.lang.reflect.Field;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.shaded.org.eclipse.jetty.io.Content;
import org.gaul.shaded.org.eclipse.jetty.server.Handler;
import org.gaul.shaded.org.eclipse.jetty.server.Request;
import org.gaul.shaded.org.eclipse.jetty.server.Response;
import org.gaul.shaded.org.eclipse.jetty.server.Server;
import org.gaul.shaded.org.eclipse.jetty.util.Callback;

/**
 * {@link LocalAccess} in front of the embedded S3 endpoint: a foreign Host (DNS rebinding) or a request from a web
 * page of another origin gets S3's 403 AccessDenied before s3proxy sees it. No page uses the S3 endpoint, so every
 * cross-origin browser request is refused, reads included. On loopback the endpoint takes any access key (that is
 * what the token-less {@code aws s3 cp} needs), so these checks are what keeps web pages out of the bucket.
 *
 * <p>s3proxy has no hook for this: the guard wraps the handler of its (shaded) Jetty server, found by reflection
 * before start. If a later s3proxy renames the field, {@link #install} fails and local mode does not start, rather than
 * run unguarded.
 */
final class S3EndpointGuard extends Handler.Wrapper {
    private final LocalAccess access;

    private S3EndpointGuard(LocalAccess access, Handler inner) {
        super(inner);
        this.access = access;
    }

    static void install(S3Proxy proxy, LocalAccess access) {
        try {
            Field f = S3Proxy.class.getDeclaredField("server");
            f.setAccessible(true);
            Server server = (Server) f.get(proxy);
            server.setHandler(new S3EndpointGuard(access, server.getHandler()));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot guard the S3 endpoint against foreign web pages (s3proxy changed?): " + e, e);
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String host = request.getHeaders().get("Host");
        if (host == null && request.getHttpURI().getAuthority() != null) host = request.getHttpURI().getAuthority();
        if (!access.hostAllowed(host)) {
            return deny(response, callback, "This endpoint does not answer to the host name " + host + ".");
        }
        if (!access.originAllowed(request.getHeaders().get("Origin"), host, request.getHeaders().get("Sec-Fetch-Site"))) {
            return deny(response, callback, "Requests from other web sites are refused.");
        }
        return super.handle(request, response, callback);
    }

    private static boolean deny(Response response, Callback callback, String message) {
        response.setStatus(403);
        response.getHeaders().put("Content-Type", "application/xml");
        String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>"
                + message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "</Message></Error>";
        Content.Sink.write(response, true, xml, callback);
        return true;
    }
}
