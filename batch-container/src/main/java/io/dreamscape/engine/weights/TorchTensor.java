package io.dreamscape.engine.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor read from a {@code .pth} file: element type, shape, and its elements in row-major (contiguous) order as
 * little-endian bytes. Immutable; the conversions return fresh arrays.
 */
public final class TorchTensor {
    private final TorchDType dtype;
    private final long[] shape;
    private final ByteBuffer data;

    /**
     * @param data exactly {@code numel(shape) * dtype.elementSize()} bytes, row-major, little-endian
     */
    public TorchTensor(TorchDType dtype, long[] shape, ByteBuffer data) {
        this.dtype = Objects.requireNonNull(dtype);
        this.shape = shape.clone();
        long n = numel(this.shape);
        if (data.remaining() != n * dtype.elementSize()) {
            throw new IllegalArgumentException("a " + dtype + " tensor of shape " + shapeString(this.shape) + " needs "
                    + n * dtype.elementSize() + " bytes, got " + data.remaining());
        }
        this.data = data.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A float32 tensor holding {@code values} with the given shape. */
    public static TorchTensor ofFloats(long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new TorchTensor(TorchDType.FLOAT32, shape, b);
    }

    /** An int64 tensor holding {@code values} with the given shape. */
    public static TorchTensor ofLongs(long[] shape, long[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return new TorchTensor(TorchDType.INT64, shape, b);
    }

    public TorchDType dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements (1 for a scalar, 0 if any dimension is 0). */
    public long numel() {
        return numel(shape);
    }

    /** The raw little-endian bytes, row-major (a read-only view). */
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The elements converted to float32 (float64 and int64 values are rounded). */
    public float[] toFloatArray() {
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        ByteBuffer b = data();
        for (int i = 0; i < n; i++) {
            out[i] = switch (dtype) {
                case FLOAT32 -> b.getFloat(i * 4);
                case FLOAT64 -> (float) b.getDouble(i * 8);
                case FLOAT16 -> Float.float16ToFloat(b.getShort(i * 2));
                case BFLOAT16 -> Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16);
                case INT64 -> (float) b.getLong(i * 8);
                case INT32 -> (float) b.getInt(i * 4);
                case INT16 -> (float) b.getShort(i * 2);
                case INT8 -> (float) b.get(i);
                case UINT8, BOOL -> (float) (b.get(i) & 0xff);
            };
        }
        return out;
    }

    /** The elements converted to float64 (exact for every type but int64 beyond 2^53). */
    public double[] toDoubleArray() {
        int n = Math.toIntExact(numel());
        double[] out = new double[n];
        ByteBuffer b = data();
        for (int i = 0; i < n; i++) {
            out[i] = switch (dtype) {
                case FLOAT64 -> b.getDouble(i * 8);
                case INT64 -> (double) b.getLong(i * 8);
                default -> Double.NaN;
            };
        }
        if (dtype != TorchDType.FLOAT64 && dtype != TorchDType.INT64) {
            float[] f = toFloatArray();
            for (int i = 0; i < n; i++) {
                out[i] = f[i];
            }
        }
        return out;
    }

    /** The elements as integers; refuses floating-point tensors. */
    public long[] toLongArray() {
        int n = Math.toIntExact(numel());
        long[] out = new long[n];
        ByteBuffer b = data();
        for (int i = 0; i < n; i++) {
            out[i] = switch (dtype) {
                case INT64 -> b.getLong(i * 8);
                case INT32 -> b.getInt(i * 4);
                case INT16 -> b.getShort(i * 2);
                case INT8 -> b.get(i);
                case UINT8, BOOL -> b.get(i) & 0xff;
                default -> throw new IllegalStateException("a " + dtype + " tensor has no integer values");
            };
        }
        return out;
    }

    /** E.g. {@code [64, 3, 7, 7]}; {@code []} for a scalar. */
    public String shapeString() {
        return shapeString(shape);
    }

    static String shapeString(long[] shape) {
        return Arrays.toString(shape);
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public String toString() {
        return "TorchTensor[" + dtype + " " + shapeString() + "]";
    }
}
