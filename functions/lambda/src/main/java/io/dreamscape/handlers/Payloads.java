package io.dreamscape.handlers;

import io.dreamscape.job.JobId;
import io.dreamscape.job.Source;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Reading the Step Functions / EventBridge JSON the handlers receive as maps. */
final class Payloads {
    private Payloads() {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }

    static String string(Map<String, Object> m, String name) {
        Object v = m == null ? null : m.get(name);
        return v == null ? null : v.toString();
    }

    static Long number(Map<String, Object> m, String name) {
        Object v = m == null ? null : m.get(name);
        if (v instanceof Number n) return n.longValue();
        if (v instanceof String s && !s.isBlank()) return Long.parseLong(s.trim());
        return null;
    }

    static JobId jobId(Map<String, Object> input) {
        String id = string(input, "jobId");
        if (!JobId.isValid(id)) {
            throw new IllegalArgumentException("input has no valid jobId: " + id);
        }
        return JobId.of(id);
    }

    /** The S3 object of an EventBridge "Object Created" event's {@code detail}; the key is URL-decoded. Null if absent. */
    static Source source(Map<String, Object> event) {
        Map<String, Object> detail = map(event == null ? null : event.get("detail"));
        Map<String, Object> bucket = map(detail == null ? null : detail.get("bucket"));
        Map<String, Object> object = map(detail == null ? null : detail.get("object"));
        String name = string(bucket, "name");
        String key = string(object, "key");
        if (name == null || key == null) {
            return null;
        }
        String etag = Source.unquoteEtag(string(object, "etag"));
        Long size = number(object, "size");
        return new Source(name, URLDecoder.decode(key, StandardCharsets.UTF_8), string(object, "version-id"), etag,
                size == null ? 0 : size);
    }
}
