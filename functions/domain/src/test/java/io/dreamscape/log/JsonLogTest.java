package io.dreamscape.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The exact lines {@link JsonLog} writes, and the call-site mistakes it refuses instead of hiding. */
class JsonLogTest {

    /** What {@code action} logs, each line with its (varying) time replaced by {@code T}. */
    private static String logged(Consumer<JsonLog> action) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        JsonLog.redirect(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            action.accept(JsonLog.of("svc"));
        } finally {
            JsonLog.redirect(System.out);
        }
        return buf.toString(StandardCharsets.UTF_8).replaceAll("\"time\":\"[^\"]+\"", "\"time\":\"T\"").strip();
    }

    @Test
    void writesFrameThenContextThenMessageThenFields() {
        assertEquals("{\"time\":\"T\",\"level\":\"INFO\",\"service\":\"svc\",\"jobId\":\"j1\",\"cold_start\":true,"
                        + "\"message\":\"hello\",\"n\":3,\"f\":1.5,\"ok\":false,\"none\":null}",
                logged(log -> log.with("jobId", "j1").with("cold_start", true).info("hello", "n", 3, "f", 1.5, "ok", false,
                        "none", null)));
    }

    @Test
    void jobIdIsPresentAsNullUntilKnown() {
        assertEquals("{\"time\":\"T\",\"level\":\"WARN\",\"service\":\"svc\",\"jobId\":null,\"message\":\"m\"}",
                logged(log -> log.warn("m")));
    }

    @Test
    void escapesQuotesBackslashesNewlinesAndControlCharacters() {
        assertEquals("{\"time\":\"T\",\"level\":\"INFO\",\"service\":\"svc\",\"jobId\":null,"
                        + "\"message\":\"say \\\"hi\\\"\\\\ now\\nthen\\u0001\",\"k\":\"é\\t\"}",
                logged(log -> log.info("say \"hi\"\\ now\nthen\u0001", "k", "é\t")));
    }

    @Test
    void writesNonFiniteNumbersAsStringsSoTheLineStaysJson() {
        assertEquals("{\"time\":\"T\",\"level\":\"INFO\",\"service\":\"svc\",\"jobId\":null,\"message\":\"m\","
                        + "\"nan\":\"NaN\",\"inf\":\"-Infinity\",\"big\":12345678901234}",
                logged(log -> log.info("m", "nan", Double.NaN, "inf", Double.NEGATIVE_INFINITY, "big", 12345678901234L)));
    }

    @Test
    void contextValuesOtherThanNumbersAndBooleansAreWrittenAsText() {
        assertEquals("{\"time\":\"T\",\"level\":\"INFO\",\"service\":\"svc\",\"jobId\":null,\"path\":\"a/b\",\"n\":7,"
                        + "\"message\":\"m\"}",
                logged(log -> log.with("path", java.nio.file.Path.of("a/b")).with("n", 7).info("m")));
    }

    @Test
    void anExceptionAddsItsTextAndStackTraceAfterTheFields() {
        String line = logged(log -> log.error("failed", new IllegalStateException("boom"), "k", "v"));
        assertTrue(line.startsWith("{\"time\":\"T\",\"level\":\"ERROR\",\"service\":\"svc\",\"jobId\":null,"
                + "\"message\":\"failed\",\"k\":\"v\",\"error\":\"java.lang.IllegalStateException: boom\","
                + "\"stackTrace\":\"java.lang.IllegalStateException: boom\\n\\tat "), line);
    }

    @Test
    void anErrorWithoutAnExceptionMayNameAFieldError() {
        assertEquals("{\"time\":\"T\",\"level\":\"WARN\",\"service\":\"svc\",\"jobId\":null,\"message\":\"m\","
                + "\"error\":\"disk full\"}", logged(log -> log.warn("m", "error", "disk full")));
    }

    @Test
    void refusesAnOddNumberOfFieldsAtTheCallSite() {
        JsonLog log = JsonLog.of("svc");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> log.info("m", "key", "v", "lost"));
        assertTrue(e.getMessage().contains("pairs"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> log.warn("m", "lonely"));
        assertThrows(IllegalArgumentException.class, () -> log.error("m", null, "a"));
        assertEquals("", logged(l -> {
            try {
                l.info("m", "odd");
            } catch (IllegalArgumentException expected) {
                // nothing half-written
            }
        }));
    }

    @Test
    void refusesFieldNamesThatAreNotStrings() {
        assertThrows(IllegalArgumentException.class, () -> JsonLog.of("svc").info("m", 1, "v"));
        assertThrows(IllegalArgumentException.class, () -> JsonLog.of("svc").info("m", null, "v"));
    }

    @Test
    void refusesToOverwriteTheLinesOwnKeys() {
        JsonLog log = JsonLog.of("svc");
        for (String frame : new String[] {"time", "level", "service", "message"}) {
            assertThrows(IllegalArgumentException.class, () -> log.info("m", frame, "x"), frame);
            assertThrows(IllegalArgumentException.class, () -> log.with(frame, "x"), frame);
        }
        assertThrows(IllegalArgumentException.class, () -> log.error("m", new RuntimeException(), "error", "x"));
        assertThrows(IllegalArgumentException.class, () -> log.error("m", new RuntimeException(), "stackTrace", "x"));
        assertThrows(IllegalArgumentException.class, () -> log.with("error", "x"));
        assertThrows(IllegalArgumentException.class, () -> log.with(null, "x"));
    }

    @Test
    void aFieldNamedAsAContextValueReplacesItOnThatLineOnly() {
        assertEquals("{\"time\":\"T\",\"level\":\"INFO\",\"service\":\"svc\",\"jobId\":null,\"key\":\"b\","
                        + "\"message\":\"m\"}\n{\"time\":\"T\",\"level\":\"INFO\",\"service\":\"svc\",\"jobId\":null,"
                        + "\"key\":\"a\",\"message\":\"m\"}",
                logged(log -> {
                    JsonLog keyed = log.with("key", "a");
                    keyed.info("m", "key", "b");
                    keyed.info("m");
                }));
    }
}
