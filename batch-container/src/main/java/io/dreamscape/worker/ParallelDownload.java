package io.dreamscape.worker;

import io.dreamscape.ports.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

/**
 * Downloads one object to a local file with parallel ranged GETs ({@link ObjectStore#getRange}), each part written at
 * its offset: a 250 MB upload arrives in 32 parts of 8 MiB over {@code threads} connections instead of one stream
 * (S3 serves each connection at tens of MB/s). Objects of at most one part are streamed with a single GET.
 */
public final class ParallelDownload {
    public static final int DEFAULT_PART_BYTES = 8 << 20;
    public static final int DEFAULT_THREADS = 8;

    private ParallelDownload() {
    }

    /** Fetches exactly {@code size} bytes of {@code key} (at {@code versionId}, may be null) into {@code target}. */
    public static void fetch(ObjectStore store, String key, String versionId, long size, Path target, int partBytes,
                             int threads, BooleanSupplier cancelled) throws IOException {
        if (size <= partBytes) {
            try (InputStream in = store.open(key, versionId)) {
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            }
            if (Files.size(target) != size) {
                throw new IOException("s3://" + store.bucket() + "/" + key + ": got " + Files.size(target)
                        + " bytes, expected " + size);
            }
            return;
        }
        int parts = (int) ((size + partBytes - 1) / partBytes);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, parts)), r -> {
            Thread t = new Thread(r, "download");
            t.setDaemon(true);
            return t;
        });
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            List<Future<?>> futures = new ArrayList<>(parts);
            for (int p = 0; p < parts; p++) {
                long offset = (long) p * partBytes;
                int length = (int) Math.min(partBytes, size - offset);
                futures.add(pool.submit(() -> {
                    if (cancelled.getAsBoolean()) throw new IOException("download cancelled");
                    byte[] bytes = store.getRange(key, versionId, offset, length);
                    if (bytes.length != length) {
                        throw new IOException("s3://" + store.bucket() + "/" + key + ": bytes " + offset + "+" + length
                                + " came back as " + bytes.length + " bytes (object changed or truncated?)");
                    }
                    ByteBuffer buf = ByteBuffer.wrap(bytes);
                    long pos = offset;
                    while (buf.hasRemaining()) pos += ch.write(buf, pos);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof IOException io) throw io;
                    throw new IOException("download of " + key + " failed: " + c, c);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("download of " + key + " interrupted", e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
