package io.dreamscape.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dreamscape.aws.S3ObjectStore;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.testing.Loopback;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parallel ranged GETs against s3proxy: every byte in place, and a short object refused. */
class ParallelDownloadTest {
    @TempDir
    Path dir;

    /** Counts ranged GETs on the way to the real store. */
    static final class Counting implements ObjectStore {
        final ObjectStore real;
        final AtomicInteger ranges = new AtomicInteger();

        Counting(ObjectStore real) {
            this.real = real;
        }

        @Override public String bucket() { return real.bucket(); }
        @Override public Optional<ObjectInfo> head(String key, String versionId) throws IOException { return real.head(key, versionId); }
        @Override public byte[] getRange(String key, String versionId, long offset, int length) throws IOException {
            ranges.incrementAndGet();
            return real.getRange(key, versionId, offset, length);
        }
        @Override public InputStream open(String key, String versionId) throws IOException { return real.open(key, versionId); }
        @Override public void put(String key, byte[] bytes, String contentType) throws IOException { real.put(key, bytes, contentType); }
        @Override public void putFile(String key, Path file, String contentType) throws IOException { real.putFile(key, file, contentType); }
        @Override public URI presignGet(String key, Duration ttl) { return real.presignGet(key, ttl); }
    }

    @Test
    void downloadsALargeObjectInParallelRangesExactly() throws Exception {
        S3ObjectStore store = Loopback.get().newBucket();
        byte[] data = new byte[100_003];
        new Random(5).nextBytes(data);
        store.put("uploads/big.bin", data, "application/octet-stream");
        Counting counting = new Counting(store);
        Path target = dir.resolve("big");
        ParallelDownload.fetch(counting, "uploads/big.bin", null, data.length, target, 4096, 4, () -> false);
        assertArrayEquals(data, Files.readAllBytes(target));
        assertTrue(counting.ranges.get() == 25, "25 parts of 4 KiB: " + counting.ranges.get());

        Path small = dir.resolve("small");
        ParallelDownload.fetch(counting, "uploads/big.bin", null, data.length, small, 1 << 20, 4, () -> false);
        assertArrayEquals(data, Files.readAllBytes(small));
    }

    @Test
    void anObjectShorterThanExpectedIsAnError() throws Exception {
        S3ObjectStore store = Loopback.get().newBucket();
        store.put("uploads/x.bin", new byte[10_000], "application/octet-stream");
        assertThrows(IOException.class, () -> ParallelDownload.fetch(store, "uploads/x.bin", null, 12_000,
                dir.resolve("x"), 4096, 2, () -> false));
        assertThrows(IOException.class, () -> ParallelDownload.fetch(store, "uploads/x.bin", null, 12_000,
                dir.resolve("y"), 1 << 20, 2, () -> false));
        assertThrows(IOException.class, () -> ParallelDownload.fetch(store, "uploads/x.bin", null, 10_000,
                dir.resolve("z"), 4096, 2, () -> true), "cancelled");
    }
}
