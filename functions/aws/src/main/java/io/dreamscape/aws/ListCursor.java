package io.dreamscape.aws;

import com.fasterxml.jackson.core.type.TypeReference;
import io.dreamscape.ports.ProgressStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The {@code next} cursor of a job listing: DynamoDB's last evaluated key as base64url JSON. Decoding accepts only the
 * key attributes of the listing indexes, so a caller cannot smuggle other attributes into a query.
 */
final class ListCursor {
    private static final Set<String> KEY_ATTRIBUTES = Set.of("pk", "listPk", "listSk", "sourceKey");

    private ListCursor() {
    }

    static String encode(Map<String, AttributeValue> key) {
        Map<String, String> plain = new TreeMap<>();
        key.forEach((k, v) -> plain.put(k, v.s()));
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(JobItem.json(plain).getBytes(StandardCharsets.UTF_8));
    }

    static Map<String, AttributeValue> decode(String cursor) {
        try {
            Map<String, String> plain = JobItem.JSON.readValue(Base64.getUrlDecoder().decode(cursor),
                    new TypeReference<Map<String, String>>() { });
            Map<String, AttributeValue> key = new HashMap<>();
            for (Map.Entry<String, String> e : plain.entrySet()) {
                if (!KEY_ATTRIBUTES.contains(e.getKey()) || e.getValue() == null) {
                    throw new IllegalArgumentException("bad field");
                }
                key.put(e.getKey(), JobItem.s(e.getValue()));
            }
            return key;
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(ProgressStore.BAD_CURSOR);
        }
    }
}
