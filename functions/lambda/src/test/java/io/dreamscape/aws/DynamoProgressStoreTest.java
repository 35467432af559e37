package io.dreamscape.aws;

import static org.junit.jupiter.api.Assertions.assertThrows;

import io.dreamscape.ports.ProgressStore;
import io.dreamscape.testing.Loopback;
import io.dreamscape.testing.ProgressStoreContract;
import java.time.Clock;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The progress store contract on DynamoDB (dynalite on loopback, a fresh table per test). */
class DynamoProgressStoreTest extends ProgressStoreContract {

    @Override
    protected ProgressStore newStore(Clock clock) {
        String table = "t-" + UUID.randomUUID().toString().substring(0, 12);
        DynamoProgressStore.createTable(Loopback.get().dynamo, table);
        return new DynamoProgressStore(Loopback.get().dynamo, table, clock);
    }

    @Test
    void aCursorThisStoreDidNotHandOutIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> store.list(null, 3, "garbage!"));
    }
}
