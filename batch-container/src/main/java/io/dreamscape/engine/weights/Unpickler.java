package io.dreamscape.engine.weights;

import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, safe unpickler (pickle protocols 0–5, the opcodes that {@code torch.save} and plain data use). It never
 * runs code: {@code GLOBAL}s become {@link Global} values, and {@code REDUCE}/{@code NEWOBJ} on them are handed to a
 * {@link Reducer}, which knows the few callables a state dict needs. Python values map to Java as: str →
 * {@link String}, bytes → {@code byte[]}, int → {@link Long} (or {@link BigInteger} beyond 64 bits), float →
 * {@link Double}, bool → {@link Boolean}, None → {@code null}, tuple and list → {@link List}, dict → {@link LinkedHashMap}.
 *
 * <p>Reads one pickle from the buffer's position up to and including {@code STOP}, leaving the position just after
 * it, so that several pickles in a row (PyTorch's legacy format) can be read one by one.
 */
final class Unpickler {

    /** A pickled reference to a Python callable or class, e.g. {@code torch._utils._rebuild_tensor_v2}. */
    record Global(String module, String name) {
        @Override
        public String toString() {
            return module + "." + name;
        }
    }

    /** Applies a pickled callable to its arguments ({@code REDUCE}, {@code NEWOBJ}). */
    @FunctionalInterface
    interface Reducer {
        Object reduce(Global callable, List<Object> args) throws PthFormatException;
    }

    /** Resolves a persistent id (PyTorch: storages). */
    @FunctionalInterface
    interface PersistentLoader {
        Object load(Object pid) throws PthFormatException;
    }

        private final ByteBuffer in;
    private final Reducer reducer;
    private final PersistentLoader persistentLoader;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    Unpickler(ByteBuffer in, Reducer reducer, PersistentLoader persistentLoader) {
        this.in = in.order(ByteOrder.LITTLE_ENDIAN);
        this.reducer = reducer;
        this.persistentLoader = persistentLoader;
    }

    /** Reads one pickle. */
    Object load() throws PthFormatException {
        int start = in.position();
        try {
            return run();
        } catch (BufferUnderflowException e) {
            throw new PthFormatException("truncated pickle (started at byte " + start + ", ran past the end at byte "
                    + in.limit() + ")");
        } catch (IndexOutOfBoundsException | ClassCastException | IllegalArgumentException e) {
            throw new PthFormatException("corrupt pickle near byte " + in.position() + ": " + e.getMessage(), e);
        }
    }

    private Object run() throws PthFormatException {
        while (true) {
            int opPos = in.position();
            int op = in.get() & 0xff;
            switch (op) {
                case 0x80 -> { // PROTO
                    int proto = in.get() & 0xff;
                    if (proto > 5) {
                        throw new PthFormatException("unsupported pickle protocol " + proto);
                    }
                }
                case 0x95 -> in.getLong(); // FRAME: framing is transparent when the whole pickle is in memory
                case '.' -> { // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) {
                        throw new PthFormatException("corrupt pickle: STOP with " + stack.size() + " values on the stack");
                    }
                    return stack.remove(0);
                }
                case '(' -> marks.add(stack.size()); // MARK
                case '0' -> pop(); // POP
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'J' -> push((long) in.getInt()); // BININT
                case 'K' -> push((long) (in.get() & 0xff)); // BININT1
                case 'M' -> push((long) (in.getShort() & 0xffff)); // BININT2
                case 0x8a -> push(readLong(in.get() & 0xff)); // LONG1
                case 0x8b -> push(readLong(checkedLength(in.getInt()))); // LONG4
                case 'I' -> { // INT (protocol 0; also True/False as 01/00)
                    String s = readLine();
                    push(switch (s) {
                        case "01" -> Boolean.TRUE;
                        case "00" -> Boolean.FALSE;
                        default -> Long.parseLong(s);
                    });
                }
                case 'L' -> { // LONG (protocol 0)
                    String s = readLine();
                    BigInteger v = new BigInteger(s.endsWith("L") ? s.substring(0, s.length() - 1) : s);
                    push(v.bitLength() < 64 ? (Object) v.longValue() : v);
                }
                case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(in.getLong()))); // BINFLOAT (big-endian)
                case 'F' -> push(Double.parseDouble(readLine()));
                case 'X' -> push(readString(checkedLength(in.getInt()))); // BINUNICODE
                case 0x8c -> push(readString(in.get() & 0xff)); // SHORT_BINUNICODE
                case 0x8d -> push(readString(checkedLength(in.getLong()))); // BINUNICODE8
                case 'T' -> push(readString(checkedLength(in.getInt()))); // BINSTRING (Python 2 str)
                case 'U' -> push(readString(in.get() & 0xff)); // SHORT_BINSTRING
                case 'V' -> push(readLine()); // UNICODE (raw-unicode-escape; ASCII is enough here)
                case 'S' -> push(unquote(readLine())); // STRING (protocol 0)
                case 'B' -> push(readBytes(checkedLength(in.getInt()))); // BINBYTES
                case 'C' -> push(readBytes(in.get() & 0xff)); // SHORT_BINBYTES
                case 0x8e, 0x96 -> push(readBytes(checkedLength(in.getLong()))); // BINBYTES8, BYTEARRAY8
                case ')' -> push(tuple(List.of())); // EMPTY_TUPLE
                case 't' -> push(tuple(popMark())); // TUPLE
                case 0x85 -> push(tuple(listOf(pop()))); // TUPLE1
                case 0x86 -> { // TUPLE2
                    Object b = pop();
                    Object a = pop();
                    push(tuple(listOf(a, b)));
                }
                case 0x87 -> { // TUPLE3
                    Object c = pop();
                    Object b = pop();
                    Object a = pop();
                    push(tuple(listOf(a, b, c)));
                }
                case ']' -> push(new ArrayList<>()); // EMPTY_LIST
                case 'l' -> push(new ArrayList<>(popMark())); // LIST
                case 'a' -> { // APPEND
                    Object v = pop();
                    list(peek()).add(v);
                }
                case 'e' -> { // APPENDS
                    List<Object> items = popMark();
                    list(peek()).addAll(items);
                }
                case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case 'd' -> { // DICT
                    List<Object> items = popMark();
                    Map<Object, Object> m = new LinkedHashMap<>();
                    putAll(m, items);
                    push(m);
                }
                case 's' -> { // SETITEM
                    Object v = pop();
                    Object k = pop();
                    dict(peek()).put(k, v);
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popMark();
                    putAll(dict(peek()), items);
                }
                case 0x8f -> push(new HashSet<>()); // EMPTY_SET
                case 0x90 -> { // ADDITEMS
                    List<Object> items = popMark();
                    set(peek()).addAll(items);
                }
                case 0x91 -> push(Collections.unmodifiableSet(new HashSet<>(popMark()))); // FROZENSET
                case 'c' -> push(new Global(readLine(), readLine())); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    push(new Global((String) module, (String) name));
                }
                case 'R', 0x81 -> { // REDUCE, NEWOBJ
                    Object args = pop();
                    Object callable = pop();
                    push(reduce(callable, args));
                }
                case 0x92 -> { // NEWOBJ_EX
                    Object kwargs = pop();
                    Object args = pop();
                    Object cls = pop();
                    if (!(kwargs instanceof Map<?, ?> m) || !m.isEmpty()) {
                        throw new PthFormatException("unsupported keyword arguments for " + cls);
                    }
                    push(reduce(cls, args));
                }
                case 'b' -> pop(); // BUILD: object state (e.g. a state dict's _metadata) is not needed
                case 'p' -> memo.put(Long.parseLong(readLine()), peek()); // PUT
                case 'q' -> memo.put((long) (in.get() & 0xff), peek()); // BINPUT
                case 'r' -> memo.put(in.getInt() & 0xffffffffL, peek()); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
                case 'g' -> push(memoGet(Long.parseLong(readLine()))); // GET
                case 'h' -> push(memoGet(in.get() & 0xff)); // BINGET
                case 'j' -> push(memoGet(in.getInt() & 0xffffffffL)); // LONG_BINGET
                case 'P' -> push(persistentLoader.load(readLine())); // PERSID
                case 'Q' -> push(persistentLoader.load(pop())); // BINPERSID
                default -> throw new PthFormatException(String.format(
                        "corrupt pickle: unknown opcode 0x%02x at byte %d", op, opPos));
            }
        }
    }

    private Object reduce(Object callable, Object args) throws PthFormatException {
        if (!(callable instanceof Global g)) {
            throw new PthFormatException("corrupt pickle: cannot call " + describe(callable));
        }
        @SuppressWarnings("unchecked")
        List<Object> a = (List<Object>) args;
        if (g.module().equals("collections") && g.name().equals("OrderedDict")) {
            Map<Object, Object> m = new LinkedHashMap<>();
            if (!a.isEmpty()) {
                for (Object pair : (List<?>) a.get(0)) {
                    List<?> kv = (List<?>) pair;
                    m.put(kv.get(0), kv.get(1));
                }
            }
            return m;
        }
        return reducer.reduce(g, a);
    }

    private static List<Object> tuple(List<Object> items) {
        return Collections.unmodifiableList(new ArrayList<>(items));
    }

    private static List<Object> listOf(Object... items) {
        List<Object> out = new ArrayList<>(items.length);
        Collections.addAll(out, items);
        return out;
    }

    private static void putAll(Map<Object, Object> m, List<Object> items) throws PthFormatException {
        if (items.size() % 2 != 0) {
            throw new PthFormatException("corrupt pickle: odd number of dict items");
        }
        for (int i = 0; i < items.size(); i += 2) {
            m.put(items.get(i), items.get(i + 1));
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) throws PthFormatException {
        if (o instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw new PthFormatException("corrupt pickle: append to " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> dict(Object o) throws PthFormatException {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw new PthFormatException("corrupt pickle: set item on " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private static java.util.Set<Object> set(Object o) throws PthFormatException {
        if (o instanceof HashSet<?> s) {
            return (java.util.Set<Object>) s;
        }
        throw new PthFormatException("corrupt pickle: add items to " + describe(o));
    }

    static String describe(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName() + " " + o;
    }

    private Object memoGet(long key) throws PthFormatException {
        if (!memo.containsKey(key)) {
            throw new PthFormatException("corrupt pickle: memo key " + key + " was never stored");
        }
        return memo.get(key);
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() throws PthFormatException {
        if (stack.isEmpty() || (!marks.isEmpty() && marks.get(marks.size() - 1) >= stack.size())) {
            throw new PthFormatException("corrupt pickle: stack underflow at byte " + in.position());
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() throws PthFormatException {
        if (stack.isEmpty()) {
            throw new PthFormatException("corrupt pickle: empty stack at byte " + in.position());
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() throws PthFormatException {
        if (marks.isEmpty()) {
            throw new PthFormatException("corrupt pickle: no MARK at byte " + in.position());
        }
        int m = marks.remove(marks.size() - 1);
        List<Object> sub = stack.subList(m, stack.size());
        List<Object> items = new ArrayList<>(sub);
        sub.clear();
        return items;
    }

    private int checkedLength(long n) throws PthFormatException {
        if (n < 0 || n > in.remaining()) {
            throw new PthFormatException("truncated or corrupt pickle: a value of " + n + " bytes at byte " + in.position()
                    + ", but only " + in.remaining() + " bytes remain");
        }
        return (int) n;
    }

    private byte[] readBytes(int n) throws PthFormatException {
        byte[] b = new byte[checkedLength(n)];
        in.get(b);
        return b;
    }

    private String readString(int n) throws PthFormatException {
        return new String(readBytes(n), StandardCharsets.UTF_8);
    }

    private Object readLong(int n) throws PthFormatException {
        byte[] le = readBytes(n);
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = le[n - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String readLine() throws PthFormatException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            byte b = in.get();
            if (b == '\n') {
                return sb.toString();
            }
            if (sb.length() > 4096) {
                throw new PthFormatException("corrupt pickle: unterminated text line at byte " + in.position());
            }
            sb.append((char) (b & 0xff));
        }
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && (s.charAt(0) == '\'' || s.charAt(0) == '"') && s.charAt(s.length() - 1) == s.charAt(0)) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }
}
