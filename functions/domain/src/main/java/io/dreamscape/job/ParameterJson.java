package io.dreamscape.job;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Reads and writes the parameter schema as JSON; unknown names and wrong types are refused with a readable reason.
 * Strict on purpose: text after the object ({@code {"octaves": 1} garbage}) and a fraction where a whole number is
 * expected ({@code "steps": 1.9}) are refused rather than silently trimmed, so what runs is what the user wrote.
 * (Trailing text is checked by {@link #parse} itself rather than by Jackson's FAIL_ON_TRAILING_TOKENS, whose parse
 * error for non-JSON text after the object would not say that the object itself was fine.)
 */
public final class ParameterJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .build();

    private ParameterJson() {
    }

    public static ParameterOverrides parse(String json) {
        if (json == null || json.isBlank()) {
            return ParameterOverrides.NONE;
        }
        try (JsonParser parser = MAPPER.createParser(json)) {
            ParameterOverrides o = MAPPER.readValue(parser, ParameterOverrides.class);
            boolean more;
            try {
                more = parser.nextToken() != null;
            } catch (JsonProcessingException e) {
                more = true; // text that is not even JSON after the object
            }
            if (more) {
                throw new ParameterException("parameters have more text after the JSON object ends; send exactly one JSON "
                        + "object, e.g. {\"octaves\": 4}");
            }
            return o;
        } catch (UnrecognizedPropertyException e) {
            String known = Arrays.stream(ParameterOverrides.class.getRecordComponents())
                    .map(c -> c.getName()).collect(Collectors.joining(", "));
            throw new ParameterException("unknown parameter '" + e.getPropertyName() + "'; known parameters: " + known);
        } catch (MismatchedInputException e) {
            String field = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining("."));
            if (e.getOriginalMessage() != null && e.getOriginalMessage().contains("Floating-point value")) {
                throw new ParameterException("'" + field + "' must be a whole number, not a fraction (" + fraction(e)
                        + "); write it without a decimal part");
            }
            throw new ParameterException("parameters are not valid JSON of the expected shape"
                    + (field.isEmpty() ? "" : " at '" + field + "'") + ": " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            Throwable root = e;
            while (root.getCause() instanceof ParameterException pe) {
                throw pe;
            }
            throw new ParameterException("parameters are not valid JSON of the expected shape: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new ParameterException("parameters cannot be read: " + e.getMessage());
        }
    }

    /** The offending number of a float-to-int mismatch, as Jackson quotes it ("... value (1.9) to ..."). */
    private static String fraction(MismatchedInputException e) {
        String m = e.getOriginalMessage();
        int open = m.indexOf('(');
        int close = open < 0 ? -1 : m.indexOf(')', open);
        return open >= 0 && close > open ? m.substring(open + 1, close) : "a fraction";
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
