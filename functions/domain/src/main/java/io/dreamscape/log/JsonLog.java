package io.dreamscape.log;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One JSON object per line on stdout (CloudWatch Logs in Lambda): {@code time}, {@code level}, {@code service},
 * {@code jobId} (always present, null until known), {@code message}, then context and fields. Immutable: {@link #with}
 * returns a logger with one more context field, e.g. the job id once it is known.
 *
 * <p>Strict, because a log line is read when something went wrong and nobody can ask again: fields come as names and
 * values in pairs (an odd count is a mistake at the call site: {@link IllegalArgumentException}, not a silently lost
 * value), names are strings, and neither a field nor a context value may replace the line's own frame
 * ({@code time}, {@code level}, {@code service}, {@code message}; with an exception also {@code error} and
 * {@code stackTrace}). A field with the name of a context value replaces it on that line. Strings are escaped by
 * Jackson; a NaN or infinite number is written as a string ({@code "NaN"}), so every line stays valid JSON.
 *
 * <p>Why hand-written rather than a logging backend with a JSON layout (log4j-layout-template-json, logback with an
 * encoder, Powertools logging): every Lambda and the worker already carry Jackson, and a line is one
 * {@code println}; a backend would add its jars to the Lambda artifact and its configuration scan to every cold start
 * (the README keeps Apache and Netty out of that jar for the same reason) for no line this class cannot write.
 */
public final class JsonLog {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static volatile PrintStream out = System.out;
    /** The line's frame: written by the logger itself, never by a caller. */
    private static final Set<String> FRAME = Set.of("time", "level", "service", "message");
    /** Written when a throwable is logged. */
    private static final Set<String> THROWABLE = Set.of("error", "stackTrace");

    private final String service;
    private final Map<String, Object> context;

    private JsonLog(String service, Map<String, Object> context) {
        this.service = service;
        this.context = context;
    }

    public static JsonLog of(String service) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("jobId", null);
        return new JsonLog(service, c);
    }

    /** Redirects every logger (tests). */
    public static void redirect(PrintStream stream) {
        out = stream;
    }

    /** @throws IllegalArgumentException when {@code key} is null or one of the line's own keys */
    public JsonLog with(String key, Object value) {
        if (key == null || FRAME.contains(key) || THROWABLE.contains(key)) {
            throw new IllegalArgumentException("'" + key + "' cannot be a log context key: the logger writes it itself");
        }
        Map<String, Object> c = new LinkedHashMap<>(context);
        c.put(key, value == null ? null : value instanceof Number || value instanceof Boolean ? value : value.toString());
        return new JsonLog(service, c);
    }

    public void info(String message, Object... fields) {
        write("INFO", message, null, fields);
    }

    public void warn(String message, Object... fields) {
        write("WARN", message, null, fields);
    }

    public void error(String message, Throwable t, Object... fields) {
        write("ERROR", message, t, fields);
    }

    private void write(String level, String message, Throwable t, Object... fields) {
        checkFields(t != null, fields);
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Instant.now().toString());
        line.put("level", level);
        line.put("service", service);
        line.putAll(context);
        line.put("message", message);
        for (int i = 0; i < fields.length; i += 2) {
            line.put((String) fields[i], fields[i + 1]);
        }
        if (t != null) {
            line.put("error", t.toString());
            StringWriter sw = new StringWriter();
            t.printStackTrace(new PrintWriter(sw));
            line.put("stackTrace", sw.toString());
        }
        String text;
        try {
            text = JSON.writeValueAsString(line);
        } catch (JsonProcessingException e) {
            text = "{\"level\":\"ERROR\",\"message\":\"unloggable line\",\"jobId\":" + quote(context.get("jobId")) + "}";
        }
        out.println(text);
    }

    /** Before anything is written, so a wrong call site fails where it is, in every test that reaches it. */
    private static void checkFields(boolean throwable, Object[] fields) {
        if (fields.length % 2 != 0) {
            throw new IllegalArgumentException("log fields come as names and values in pairs; got " + fields.length
                    + " items (a name or a value is missing)");
        }
        for (int i = 0; i < fields.length; i += 2) {
            if (!(fields[i] instanceof String name)) {
                throw new IllegalArgumentException("log field name " + (i / 2 + 1) + " is not a string: " + fields[i]);
            }
            if (FRAME.contains(name) || throwable && THROWABLE.contains(name)) {
                throw new IllegalArgumentException("'" + name + "' cannot be a log field name: the logger writes it itself");
            }
        }
    }

    private static String quote(Object o) {
        return o == null ? "null" : "\"" + o.toString().replace("\"", "'") + "\"";
    }
}
