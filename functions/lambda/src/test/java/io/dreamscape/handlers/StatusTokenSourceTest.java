package io.dreamscape.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The list route asks its token source on each request, so a cached secret's rotation takes effect. */
class StatusTokenSourceTest {

    @Test
    void theTokenSourceIsAskedPerRequestAndARotationTakesEffect() {
        AtomicReference<String> current = new AtomicReference<>("old-token");
        AtomicInteger asked = new AtomicInteger();
        StatusHandler handler = StatusHandler.withTokenSource(null, () -> {
            asked.incrementAndGet();
            return current.get();
        });
        assertEquals(0, asked.get(), "nothing is read when the handler is built");
        assertTrue(handler.authorised("Bearer old-token"));
        current.set("new-token");
        assertFalse(handler.authorised("Bearer old-token"));
        assertTrue(handler.authorised("bearer new-token"));
        assertFalse(handler.authorised(null));
        assertEquals(3, asked.get());
    }
}
