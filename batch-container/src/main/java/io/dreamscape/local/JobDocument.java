package io.dreamscape.local;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.dreamscape.job.Job;
import java.io.IOException;
import java.time.Instant;

/**
 * A {@link Job} as the JSON document in the local store's {@code jobs.doc} column: the record's fields as they are,
 * instants as ISO-8601 strings; unknown fields are ignored, so a store written
 * by a newer version still reads.
 */
final class JobDocument {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addModule(new SimpleModule("instants")
                    .addSerializer(Instant.class, new JsonSerializer<>() {
                        @Override
                        public void serialize(Instant v, JsonGenerator g, SerializerProvider p) throws IOException {
                            g.writeString(v.toString());
                        }
                    })
                    .addDeserializer(Instant.class, new JsonDeserializer<>() {
                        @Override
                        public Instant deserialize(JsonParser p, DeserializationContext c) throws IOException {
                            return Instant.parse(p.getValueAsString());
                        }
                    }))
            .build();

    private JobDocument() {
    }

    static String write(Job job) throws IOException {
        return JSON.writeValueAsString(job);
    }

    static Job read(String doc) throws IOException {
        return JSON.readValue(doc, Job.class);
    }
}
