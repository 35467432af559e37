package io.dreamscape.local;

import io.dreamscape.service.AccessToken;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Who may use local mode's servers, as Jupyter decides it, so that a web page the user happens to visit cannot:
 * <ul>
 *   <li><b>Host allow-list</b> (against DNS rebinding, where a foreign name resolves to 127.0.0.1 and the page becomes
 *   "same-origin" with us): the Host header must name localhost, a loopback address, the bound address, or — when
 *   bound to all interfaces — one of this machine's names and addresses, or a name given with {@code --allow-host}.</li>
 *   <li><b>Origin check</b> (against cross-site form posts, which need no CORS preflight): a state-changing request from
 *   a browser must come from the page's own origin.</li>
 *   <li><b>Token</b>, fresh at every start unless given: printed as the page URL {@code ?token=…}, which sets a
 *   SameSite=Strict cookie for the page's own requests; scripts send {@code Authorization: Bearer TOKEN}.</li>
 * </ul>
 */
final class LocalAccess {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Set<String> hosts;
    private final String token;

    LocalAccess(Set<String> allowedHosts, String token) {
        Set<String> h = new LinkedHashSet<>();
        for (String s : allowedHosts) h.add(normaliseHost(s));
        this.hosts = Collections.unmodifiableSet(h);
        this.token = token;
    }

    /** A token for one start: 192 random bits, URL-safe. */
    static String newToken() {
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /**
     * The host names a server bound to {@code bind} answers to: localhost and the loopback addresses always, the bound
     * address, and for a wildcard bind this machine's name and interface addresses; plus {@code extra}.
     */
    static Set<String> allowedHosts(InetAddress bind, Iterable<String> extra) {
        Set<String> h = new LinkedHashSet<>(Set.of("localhost", "127.0.0.1", "::1"));
        h.add(bind.getHostAddress());
        if (bind.isAnyLocalAddress()) {
            try {
                InetAddress local = InetAddress.getLocalHost();
                h.add(local.getHostName());
                h.add(local.getCanonicalHostName());
                h.add(local.getHostAddress());
            } catch (UnknownHostException ignored) {
                // no name for this machine: its addresses still work
            }
            try {
                for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                        String s = a.getHostAddress();
                        int zone = s.indexOf('%');
                        h.add(zone >= 0 ? s.substring(0, zone) : s);
                    }
                }
            } catch (SocketException ignored) {
                // interfaces unknown: names above still work
            }
        }
        if (extra != null) extra.forEach(h::add);
        return h;
    }

    String token() {
        return token;
    }

    Set<String> hosts() {
        return hosts;
    }

    /** Whether a request with this Host header may be answered. No Host (not a browser, HTTP/1.0) is allowed. */
    boolean hostAllowed(String hostHeader) {
        if (hostHeader == null || hostHeader.isBlank()) return true;
        String host = hostOf(hostHeader.strip());
        return host != null && hosts.contains(host);
    }

    /**
     * Whether a state-changing request may go on: without an Origin header (not from a browser page) yes unless the
     * browser says it is cross-site; with one, its host must be allowed and it must be this request's own origin.
     */
    boolean originAllowed(String origin, String hostHeader, String secFetchSite) {
        if ("cross-site".equalsIgnoreCase(secFetchSite)) return false;
        if (origin == null || origin.isBlank()) return true;
        if (origin.strip().equals("null")) return false; // sandboxed frames, file: pages, redirects from elsewhere
        try {
            URI o = URI.create(origin.strip());
            if (o.getHost() == null || !hosts.contains(normaliseHost(o.getHost()))) return false;
            if (hostHeader == null) return true;
            String ownHost = hostOf(hostHeader.strip());
            int ownPort = portOf(hostHeader.strip(), o.getScheme());
            int port = o.getPort() >= 0 ? o.getPort() : defaultPort(o.getScheme());
            return normaliseHost(o.getHost()).equals(ownHost) && port == ownPort;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether {@code given} is the token ({@link AccessToken#matches}: constant time, as the cloud compares it). */
    boolean tokenMatches(String given) {
        return AccessToken.matches(given, token);
    }

    /** The value of cookie {@code name} in a Cookie header, or null. */
    static String cookie(String cookieHeader, String name) {
        if (cookieHeader == null) return null;
        for (String part : cookieHeader.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0 && part.substring(0, eq).strip().equals(name)) return part.substring(eq + 1).strip();
        }
        return null;
    }

    /** The host of a Host header or URI host, lowercased, IPv6 without brackets; null when malformed. */
    static String hostOf(String hostHeader) {
        String h = hostHeader;
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            return close < 0 ? null : normaliseHost(h.substring(1, close));
        }
        int colon = h.indexOf(':');
        if (colon >= 0 && h.indexOf(':', colon + 1) >= 0) return normaliseHost(h); // bare IPv6
        return normaliseHost(colon >= 0 ? h.substring(0, colon) : h);
    }

    private static int portOf(String hostHeader, String scheme) {
        int close = hostHeader.startsWith("[") ? hostHeader.indexOf(']') : -1;
        int colon = hostHeader.indexOf(':', Math.max(0, close));
        if (colon < 0 || (close < 0 && hostHeader.indexOf(':', colon + 1) >= 0)) return defaultPort(scheme);
        try {
            return Integer.parseInt(hostHeader.substring(colon + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static int defaultPort(String scheme) {
        return "https".equalsIgnoreCase(scheme) ? 443 : 80;
    }

    private static String normaliseHost(String h) {
        String s = h.toLowerCase(Locale.ROOT);
        if (s.startsWith("[") && s.endsWith("]")) s = s.substring(1, s.length() - 1);
        if (s.endsWith(".")) s = s.substring(0, s.length() - 1);
        if (s.contains(":")) { // IPv6: one spelling for ::1 and 0:0:0:0:0:0:0:1
            try {
                s = InetAddress.getByName(s).getHostAddress();
                int zone = s.indexOf('%');
                if (zone >= 0) s = s.substring(0, zone);
                if (s.equals("0:0:0:0:0:0:0:1")) s = "::1";
            } catch (UnknownHostException ignored) {
                // keep as written
            }
        }
        return s;
    }
}
