package io.dreamscape.engine.weights;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Test helper: writes a state dict in PyTorch's zip format exactly as {@code torch.save} lays it out
 * ({@code archive/data.pkl} with pickle protocol 2, {@code archive/data/<n>} raw storages, {@code archive/version}),
 * so that synthetic weights built in Java go through the same reader as real files.
 */
public final class PthWriter {
    private PthWriter() {
    }

    public static void write(Map<String, TorchTensor> stateDict, Path file) throws IOException {
        ByteArrayOutputStream pkl = new ByteArrayOutputStream();
        pkl.write(new byte[] {(byte) 0x80, 2});
        global(pkl, "collections", "OrderedDict");
        pkl.write(')');
        pkl.write('R');
        pkl.write('(');
        int key = 0;
        for (Map.Entry<String, TorchTensor> e : stateDict.entrySet()) {
            TorchTensor t = e.getValue();
            string(pkl, e.getKey());
            global(pkl, "torch._utils", "_rebuild_tensor_v2");
            pkl.write('(');
            pkl.write('(');
            string(pkl, "storage");
            global(pkl, "torch", t.dtype().storageClass());
            string(pkl, Integer.toString(key++));
            string(pkl, "cpu");
            integer(pkl, t.numel());
            pkl.write('t');
            pkl.write('Q');
            integer(pkl, 0);
            long[] shape = t.shape();
            pkl.write('(');
            for (long d : shape) {
                integer(pkl, d);
            }
            pkl.write('t');
            pkl.write('(');
            long stride = 1;
            long[] strides = new long[shape.length];
            for (int d = shape.length - 1; d >= 0; d--) {
                strides[d] = stride;
                stride *= shape[d];
            }
            for (long s : strides) {
                integer(pkl, s);
            }
            pkl.write('t');
            pkl.write(0x89);
            global(pkl, "collections", "OrderedDict");
            pkl.write(')');
            pkl.write('R');
            pkl.write('t');
            pkl.write('R');
        }
        pkl.write('u');
        pkl.write('.');

        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            stored(zip, "archive/data.pkl", pkl.toByteArray());
            int k = 0;
            for (TorchTensor t : stateDict.values()) {
                ByteBuffer b = t.data();
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                stored(zip, "archive/data/" + k++, bytes);
            }
            stored(zip, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static void stored(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(bytes.length);
        CRC32 crc = new CRC32();
        crc.update(bytes);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(bytes);
        zip.closeEntry();
    }

    private static void global(ByteArrayOutputStream out, String module, String name) {
        out.write('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static void string(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        out.writeBytes(b);
    }

    private static void integer(ByteArrayOutputStream out, long v) {
        out.write('J');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(Math.toIntExact(v)).array());
    }
}
