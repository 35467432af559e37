package io.dreamscape.engine.storage;

import java.lang.reflect.Method;
import java.nio.MappedByteBuffer;

/**
 * Releases a memory mapping at once instead of when the GC collects its buffer. Java 21 has no public API for it (the
 * FFM {@code Arena} mapping is final only from Java 22), so this uses {@code sun.misc.Unsafe.invokeCleaner} from the
 * jdk.unsupported module, as Lucene and Netty do; where that is unavailable it does nothing and the GC unmaps later.
 */
final class Unmapper {
    private static final Object UNSAFE;
    private static final Method INVOKE_CLEANER;

    static {
        Object unsafe = null;
        Method invoke = null;
        try {
            Class<?> c = Class.forName("sun.misc.Unsafe");
            var f = c.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            unsafe = f.get(null);
            invoke = c.getMethod("invokeCleaner", java.nio.ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException unavailable) {
            unsafe = null;
            invoke = null;
        }
        UNSAFE = unsafe;
        INVOKE_CLEANER = invoke;
    }

    private Unmapper() {
    }

    static void unmap(MappedByteBuffer buffer) {
        if (INVOKE_CLEANER == null) return;
        try {
            INVOKE_CLEANER.invoke(UNSAFE, buffer);
        } catch (ReflectiveOperationException | RuntimeException ignored) {
            // left to the GC
        }
    }
}
