package io.dreamscape.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Reads and writes the parameter schema as JSON; unknown names and wrong types are refused with a readable reason. */
public final class ParameterJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private ParameterJson() {
    }

    public static ParameterOverrides parse(String json) {
        if (json == null || json.isBlank()) {
            return ParameterOverrides.NONE;
        }
        try {
            return MAPPER.readValue(json, ParameterOverrides.class);
        } catch (UnrecognizedPropertyException e) {
            String known = Arrays.stream(ParameterOverrides.class.getRecordComponents())
                    .map(c -> c.getName()).collect(Collectors.joining(", "));
            throw new ParameterException("unknown parameter '" + e.getPropertyName() + "'; known parameters: " + known);
        } catch (JsonProcessingException e) {
            Throwable root = e;
            while (root.getCause() instanceof ParameterException pe) {
                throw pe;
            }
            throw new ParameterException("parameters are not valid JSON of the expected shape: " + e.getOriginalMessage());
        }
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
