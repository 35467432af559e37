package io.dreamscape.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The one comparison of a presented bearer token with the configured one, for the cloud's status API and local mode
 * alike. Both sides are hashed first and compared with {@link MessageDigest#isEqual}, so the time taken tells an
 * attacker neither how many leading characters matched nor how long the token is.
 */
public final class AccessToken {
    private AccessToken() {
    }

    /** Whether {@code given} (surrounding white space ignored) is {@code expected}; false when either is null. */
    public static boolean matches(String given, String expected) {
        if (given == null || expected == null) {
            return false;
        }
        return MessageDigest.isEqual(sha256(given.strip()), sha256(expected));
    }

    /** The token of an {@code Authorization: Bearer …} header (scheme case-insensitive), or null. */
    public static String bearer(String authorization) {
        return authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).strip() : null;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
