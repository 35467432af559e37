package io.dreamscape.engine.weights;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads a PyTorch state dict ({@code torch.save(model.state_dict(), path)}) without Python.
 *
 * <p>Both serialisations are supported: the zip format of PyTorch ≥ 1.6 ({@code <name>/data.pkl} plus one raw
 * little-endian storage per {@code <name>/data/<key>} entry) and the older non-zip format (pickles for the magic
 * number, protocol version and system info, then the pickled object, the list of storage keys, and the raw storages,
 * each prefixed by its element count). Tensors may be views (offset, strides) into shared storages; they come out
 * contiguous. Nothing in the file is executed: the pickle is interpreted by a small unpickler that knows only plain
 * data and the tensor-rebuilding functions of {@code torch._utils}.
 *
 * <p>Every failure is a {@link PthFormatException} whose message names the file and says what is wrong.
 */
public final class PthReader {

    /** PyTorch's legacy magic number, {@code 0x1950a86a20f9469cfc6c}. */
    private static final BigInteger MAGIC_NUMBER = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final long PROTOCOL_VERSION = 1001;

    private PthReader() {
    }

    /**
     * Reads the state dict in {@code file}: tensor name → tensor, in the file's order.
     *
     * @throws NoSuchFileException if the file does not exist
     * @throws PthFormatException if it is not a readable PyTorch state dict
     */
    public static LinkedHashMap<String, TorchTensor> readStateDict(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such weights file");
        }
        try {
            Object root = readObject(file);
            return toStateDict(root);
        } catch (PthFormatException e) {
            throw new PthFormatException(file + ": " + e.getMessage(), e);
        }
    }

    private static Object readObject(Path file) throws IOException {
        byte[] head = new byte[512];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n == 0) {
            throw new PthFormatException("the file is empty");
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return readZip(file);
        }
        if (n >= 262 && new String(head, 257, 5, java.nio.charset.StandardCharsets.ISO_8859_1).equals("ustar")) {
            throw new PthFormatException("this is PyTorch's pre-0.4 tar format, which is not supported; "
                    + "load it with PyTorch and save it again with torch.save");
        }
        if ((head[0] & 0xff) == 0x80) {
            long size = Files.size(file);
            if (size > Integer.MAX_VALUE - 64) {
                throw new PthFormatException("legacy-format files over 2 GB are not supported (" + size + " bytes)");
            }
            return readLegacy(ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN));
        }
        throw new PthFormatException("not a PyTorch .pth file (neither a zip archive nor a pickle); it starts with "
                + preview(head, n));
    }

    // ---------------------------------------------------------------- zip format (PyTorch >= 1.6)

    private static Object readZip(Path file) throws IOException {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new PthFormatException("corrupt or truncated zip archive (" + e.getMessage() + ")", e);
        }
        try (zip) {
            String prefix = null;
            boolean torchScript = false;
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                String name = en.nextElement().getName();
                int slash = name.indexOf('/');
                if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
                    prefix = name.substring(0, slash + 1);
                }
                torchScript |= name.endsWith("/constants.pkl") || name.contains("/code/");
            }
            if (prefix == null) {
                throw new PthFormatException("a zip archive without a data.pkl entry: not a file written by torch.save");
            }
            if (torchScript) {
                throw new PthFormatException("this is a TorchScript model (torch.jit.save), not a state dict "
                        + "(torch.save(model.state_dict(), path))");
            }
            final String p = prefix;
            Map<String, ByteBuffer> loaded = new HashMap<>();
            byte[] pkl = entryBytes(zip, p + "data.pkl");
            Unpickler.PersistentLoader loader = pid -> {
                StorageId id = StorageId.of(pid, 5);
                ByteBuffer data = loaded.get(id.key());
                if (data == null) {
                    try {
                        data = ByteBuffer.wrap(entryBytes(zip, p + "data/" + id.key())).order(ByteOrder.LITTLE_ENDIAN);
                    } catch (IOException e) {
                        throw e instanceof PthFormatException pe ? pe
                                : new PthFormatException("cannot read storage " + id.key() + ": " + e.getMessage(), e);
                    }
                    loaded.put(id.key(), data);
                }
                if (data.capacity() != id.bytes()) {
                    throw new PthFormatException("storage " + id.key() + " holds " + data.capacity() + " bytes, but "
                            + id.numel() + " " + id.dtype() + " elements need " + id.bytes());
                }
                return new StorageRef(id.key(), id.dtype(), id.numel(), 0, new ByteBuffer[] {data});
            };
            Object root = new Unpickler(ByteBuffer.wrap(pkl), PthReader::reduce, loader).load();
            return materialize(root);
        }
    }

    private static byte[] entryBytes(ZipFile zip, String name) throws IOException {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            throw new PthFormatException("the archive has no entry " + name + " (truncated or corrupt?)");
        }
        byte[] b;
        try (InputStream in = zip.getInputStream(e)) {
            b = in.readAllBytes();
        } catch (ZipException ex) {
            throw new PthFormatException("entry " + name + " is corrupt (" + ex.getMessage() + ")", ex);
        }
        if (e.getSize() >= 0 && b.length != e.getSize()) {
            throw new PthFormatException("entry " + name + " is truncated: " + b.length + " of " + e.getSize() + " bytes");
        }
        if (e.getCrc() >= 0) {
            CRC32 crc = new CRC32();
            crc.update(b);
            if (crc.getValue() != e.getCrc()) {
                throw new PthFormatException("entry " + name + " is corrupt (CRC-32 mismatch)");
            }
        }
        return b;
    }

    // ---------------------------------------------------------------- legacy format

    private static Object readLegacy(ByteBuffer in) throws PthFormatException {
        Unpickler.Reducer plainOnly = (g, args) -> {
            throw new PthFormatException("unexpected object " + g + " in the file header");
        };
        Unpickler.PersistentLoader noPid = pid -> {
            throw new PthFormatException("unexpected persistent id in the file header");
        };
        Object magic = new Unpickler(in, plainOnly, noPid).load();
        if (!(magic instanceof BigInteger b && b.equals(MAGIC_NUMBER))) {
            throw new PthFormatException("invalid magic number (" + Unpickler.describe(magic) + "); not a torch.save file, or corrupt");
        }
        Object protocol = new Unpickler(in, plainOnly, noPid).load();
        if (!Long.valueOf(PROTOCOL_VERSION).equals(protocol)) {
            throw new PthFormatException("unsupported legacy protocol version " + protocol + " (expected 1001)");
        }
        Object sysInfo = new Unpickler(in, plainOnly, noPid).load();
        if (sysInfo instanceof Map<?, ?> m && Boolean.FALSE.equals(m.get("little_endian"))) {
            throw new PthFormatException("the file was written on a big-endian machine; this is not supported");
        }
        Map<String, StorageRef> roots = new LinkedHashMap<>();
        Unpickler.PersistentLoader loader = pid -> {
            StorageId id = StorageId.of(pid, 6);
            StorageRef root = roots.get(id.key());
            if (root == null) {
                root = new StorageRef(id.key(), id.dtype(), id.numel(), 0, new ByteBuffer[1]);
                roots.put(id.key(), root);
            } else if (root.dtype() != id.dtype()) {
                throw new PthFormatException("storage " + id.key() + " is used as both " + root.dtype() + " and " + id.dtype());
            }
            Object view = id.fields().size() > 5 ? id.fields().get(5) : null;
            if (view == null) {
                return root;
            }
            List<?> v = (List<?>) view; // (view_key, offset, view_size)
            return new StorageRef(id.key(), id.dtype(), asLong(v.get(2), "view size"), asLong(v.get(1), "view offset"), root.data());
        };
        Object root = new Unpickler(in, PthReader::reduce, loader).load();
        Object keys = new Unpickler(in, plainOnly, noPid).load();
        if (!(keys instanceof List<?> keyList)) {
            throw new PthFormatException("corrupt file: expected the list of storage keys, found " + Unpickler.describe(keys));
        }
        for (Object k : keyList) {
            StorageRef s = roots.get(String.valueOf(k));
            if (s == null) {
                throw new PthFormatException("corrupt file: storage " + k + " is listed but never used");
            }
            if (in.remaining() < 8) {
                throw new PthFormatException("truncated: the file ends before storage " + k);
            }
            long count = in.getLong();
            if (count != s.numel()) {
                throw new PthFormatException("corrupt file: storage " + k + " has " + count + " elements, expected " + s.numel());
            }
            long bytes = count * s.dtype().elementSize();
            if (bytes > in.remaining()) {
                throw new PthFormatException("truncated: storage " + k + " needs " + bytes + " bytes, only "
                        + in.remaining() + " remain");
            }
            ByteBuffer data = in.slice(in.position(), (int) bytes).order(ByteOrder.LITTLE_ENDIAN);
            in.position(in.position() + (int) bytes);
            s.data()[0] = data;
        }
        for (StorageRef s : roots.values()) {
            if (s.data()[0] == null) {
                throw new PthFormatException("corrupt file: the data of storage " + s.key() + " is missing");
            }
        }
        return materialize(root);
    }

    // ---------------------------------------------------------------- tensors

    /** A storage (or a view into one) as referenced from the pickle; the data may arrive later (legacy format). */
    private record StorageRef(String key, TorchDType dtype, long numel, long offset, ByteBuffer[] data) {
    }

    /** A tensor whose storage may not have been read yet. */
    private record PendingTensor(StorageRef storage, long offset, long[] size, long[] stride) {
    }

    private static Object reduce(Unpickler.Global g, List<Object> args) throws PthFormatException {
        String fn = g.toString();
        switch (fn) {
            case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> {
                if (args.size() < 4 || !(args.get(0) instanceof StorageRef s)) {
                    throw new PthFormatException("corrupt tensor record: " + args);
                }
                return new PendingTensor(s, asLong(args.get(1), "storage offset"), longs(args.get(2)), longs(args.get(3)));
            }
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                return args.get(0);
            }
            case "torch._tensor._rebuild_from_type_v2" -> { // (func, type, args, state): a tensor subclass
                if (args.get(0) instanceof Unpickler.Global f && args.get(2) instanceof List<?> a) {
                    return reduce(f, new ArrayList<>(a));
                }
                throw new PthFormatException("corrupt tensor record: " + args);
            }
            default -> throw new PthFormatException("unsupported Python object " + fn
                    + " (this reader handles state dicts of dense tensors, as written by torch.save(model.state_dict()))");
        }
    }

    private static Object materialize(Object o) throws PthFormatException {
        if (o instanceof PendingTensor t) {
            return toTensor(t);
        }
        if (o instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put(e.getKey(), materialize(e.getValue()));
            }
            return out;
        }
        if (o instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object x : l) {
                out.add(materialize(x));
            }
            return Collections.unmodifiableList(out);
        }
        return o;
    }

    private static TorchTensor toTensor(PendingTensor t) throws PthFormatException {
        StorageRef s = t.storage();
        TorchDType dtype = s.dtype();
        int es = dtype.elementSize();
        long[] size = t.size();
        long[] stride = t.stride();
        if (size.length != stride.length) {
            throw new PthFormatException("corrupt tensor record: size " + TorchTensor.shapeString(size)
                    + " and stride " + TorchTensor.shapeString(stride) + " differ in rank");
        }
        long numel = TorchTensor.numel(size);
        ByteBuffer src = s.data()[0];
        if (numel == 0) {
            return new TorchTensor(dtype, size, ByteBuffer.allocate(0));
        }
        long last = t.offset();
        for (int d = 0; d < size.length; d++) {
            if (stride[d] < 0) {
                throw new PthFormatException("negative strides are not supported");
            }
            last += (size[d] - 1) * stride[d];
        }
        if (t.offset() < 0 || last >= s.numel()) {
            throw new PthFormatException("a tensor of shape " + TorchTensor.shapeString(size) + " reaches element "
                    + last + " of a storage with " + s.numel() + " elements (corrupt file)");
        }
        long base = s.offset() + t.offset();
        if (isContiguous(size, stride)) {
            // a view of the file's bytes: no copy
            return new TorchTensor(dtype, size, src.slice(Math.toIntExact(base * es), Math.toIntExact(numel * es)));
        }
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(numel * es)).order(ByteOrder.LITTLE_ENDIAN);
        int[] idx = new int[size.length];
        byte[] elem = new byte[es];
        for (long i = 0; i < numel; i++) {
            long off = base;
            for (int d = 0; d < size.length; d++) {
                off += idx[d] * stride[d];
            }
            src.get(Math.toIntExact(off * es), elem);
            out.put(elem);
            for (int d = size.length - 1; d >= 0; d--) {
                if (++idx[d] < size[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        out.flip();
        return new TorchTensor(dtype, size, out);
    }

    private static boolean isContiguous(long[] size, long[] stride) {
        long expected = 1;
        for (int d = size.length - 1; d >= 0; d--) {
            if (size[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= size[d];
        }
        return true;
    }

    private static LinkedHashMap<String, TorchTensor> toStateDict(Object root) throws PthFormatException {
        if (!(root instanceof Map<?, ?> m)) {
            throw new PthFormatException("the file holds a " + typeName(root) + ", not a state dict (a dict of tensors)");
        }
        LinkedHashMap<String, TorchTensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String k)) {
                throw new PthFormatException("not a state dict: key " + e.getKey() + " is not a string");
            }
            if (!(e.getValue() instanceof TorchTensor t)) {
                throw new PthFormatException("not a state dict: '" + k + "' is a " + typeName(e.getValue())
                        + ", not a tensor" + (e.getValue() instanceof Map ? " (a checkpoint? save model.state_dict() itself)" : ""));
            }
            out.put(k, t);
        }
        return out;
    }

    private static String typeName(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof Map) {
            return "dict";
        }
        if (o instanceof List) {
            return "list/tuple";
        }
        return o.getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }

    // ---------------------------------------------------------------- helpers

    /**
     * A storage's persistent id, {@code ('storage', type, key, location, size, …)} in both formats (the legacy one
     * adds a view): its key, element type and element count, and all its fields.
     */
    private record StorageId(String key, TorchDType dtype, long numel, List<?> fields) {
        long bytes() {
            return numel * dtype.elementSize();
        }

        static StorageId of(Object pid, int minSize) throws PthFormatException {
            if (pid instanceof List<?> t && t.size() >= minSize && "storage".equals(t.get(0))) {
                return new StorageId(String.valueOf(t.get(2)), storageDType(t.get(1)), asLong(t.get(4), "storage size"), t);
            }
            throw new PthFormatException("unsupported persistent id " + Unpickler.describe(pid));
        }
    }

    private static TorchDType storageDType(Object type) throws PthFormatException {
        if (type instanceof Unpickler.Global g && g.module().equals("torch")) {
            TorchDType t = TorchDType.fromStorageClass(g.name());
            if (t != null) {
                return t;
            }
            if (g.name().equals("UntypedStorage")) {
                return TorchDType.UINT8;
            }
        }
        throw new PthFormatException("unsupported storage type " + Unpickler.describe(type));
    }

    private static long asLong(Object o, String what) throws PthFormatException {
        if (o instanceof Long l) {
            return l;
        }
        throw new PthFormatException("corrupt file: " + what + " is " + Unpickler.describe(o));
    }

    private static long[] longs(Object o) throws PthFormatException {
        if (!(o instanceof List<?> l)) {
            throw new PthFormatException("corrupt tensor record: expected a tuple of ints, found " + Unpickler.describe(o));
        }
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = asLong(l.get(i), "a dimension");
        }
        return out;
    }

    private static String preview(byte[] b, int n) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < Math.min(n, 16); i++) {
            int c = b[i] & 0xff;
            sb.append(c >= 32 && c < 127 ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return sb.append('"').toString();
    }
}
