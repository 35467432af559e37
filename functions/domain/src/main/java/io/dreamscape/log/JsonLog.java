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

/**
 * One JSON object per line on stdout (CloudWatch Logs in Lambda): {@code time}, {@code level}, {@code service},
 * {@code jobId} (always present, null until known), {@code message}, then context and fields. Immutable: {@link #with}
 * returns a logger with one more context field, e.g. the job id once it is known.
 */
public final class JsonLog {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static volatile PrintStream out = System.out;

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

    public JsonLog with(String key, Object value) {
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
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Instant.now().toString());
        line.put("level", level);
        line.put("service", service);
        line.putAll(context);
        line.put("message", message);
        for (int i = 0; i + 1 < fields.length; i += 2) {
            line.put(String.valueOf(fields[i]), fields[i + 1]);
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

    private static String quote(Object o) {
        return o == null ? "null" : "\"" + o.toString().replace("\"", "'") + "\"";
    }
}
