package io.dreamscape.job;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A job's identity and its capability: 128 random bits (32 lowercase hex digits). Knowing the id is what lets a person
 * see a job's status page, so it is never derived from the content (the idempotency key is separate, see
 * {@link Source#contentKey()}).
 */
public record JobId(String value) {
    private static final Pattern FORMAT = Pattern.compile("[0-9a-f]{32}");
    private static final SecureRandom RANDOM = new SecureRandom();

    public JobId {
        if (value == null || !FORMAT.matcher(value).matches()) {
            throw new IllegalArgumentException("not a job id (32 lowercase hex digits): " + value);
        }
    }

    public static JobId random() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return new JobId(HexFormat.of().formatHex(b));
    }

    @JsonCreator
    public static JobId of(String value) {
        return new JobId(value);
    }

    public static boolean isValid(String value) {
        return value != null && FORMAT.matcher(value).matches();
    }

    @JsonValue
    @Override
    public String toString() {
        return value;
    }
}
