package io.dreamscape.ports;

import io.dreamscape.testing.ProgressStoreContract;
import java.time.Clock;

/** The progress store contract on the in-memory store, so service tests can trust it as they trust the real ones. */
class InMemoryProgressStoreTest extends ProgressStoreContract {

    @Override
    protected ProgressStore newStore(Clock clock) {
        return new InMemoryProgressStore(clock);
    }
}
