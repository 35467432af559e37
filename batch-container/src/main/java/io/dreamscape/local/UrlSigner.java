package io.dreamscape.local;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Local mode's presigned URLs: {@code {base}/files/{key}?expires={epochSeconds}&sig={hmac}}, served by the web server.
 * The HMAC-SHA256 key is drawn at start, so URLs die with the process and after {@code expires} (the same lifetime rule
 * as S3 presigned URLs: at most an hour).
 */
public final class UrlSigner {
    private final byte[] secret = new byte[32];
    private final Clock clock;
    private volatile String base = "";

    public UrlSigner(Clock clock) {
        new SecureRandom().nextBytes(secret);
        this.clock = clock;
    }

    /** The web server's address, e.g. {@code http://127.0.0.1:8080/} (known once it is listening). */
    public void base(String url) {
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    public URI sign(String key, Duration ttl) {
        long expires = clock.instant().plus(ttl).getEpochSecond();
        return URI.create(base + "/files/" + encodePath(key) + "?expires=" + expires + "&sig=" + mac(key, expires));
    }

    /** True when {@code sig} is this process's signature of {@code key} and {@code expires} has not passed. */
    public boolean verify(String key, String expires, String sig) {
        if (key == null || expires == null || sig == null) {
            return false;
        }
        long exp;
        try {
            exp = Long.parseLong(expires);
        } catch (NumberFormatException e) {
            return false;
        }
        if (clock.instant().getEpochSecond() > exp) {
            return false;
        }
        return MessageDigest.isEqual(mac(key, exp).getBytes(StandardCharsets.US_ASCII), sig.getBytes(StandardCharsets.US_ASCII));
    }

    private String mac(String key, long expires) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(secret, "HmacSHA256"));
            return HexFormat.of().formatHex(m.doFinal((key + "\n" + expires).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    static String encodePath(String key) {
        StringBuilder sb = new StringBuilder();
        for (String part : key.split("/", -1)) {
            if (!sb.isEmpty()) sb.append('/');
            sb.append(URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return sb.toString();
    }
}
