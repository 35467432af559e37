package io.dreamscape.engine.weights;

import java.util.Locale;

/** Element types of PyTorch storages, with the legacy storage class names that {@code torch.save} pickles. */
public enum TorchDType {
    FLOAT32("FloatStorage", 4),
    FLOAT64("DoubleStorage", 8),
    FLOAT16("HalfStorage", 2),
    BFLOAT16("BFloat16Storage", 2),
    INT64("LongStorage", 8),
    INT32("IntStorage", 4),
    INT16("ShortStorage", 2),
    INT8("CharStorage", 1),
    UINT8("ByteStorage", 1),
    BOOL("BoolStorage", 1);

    private final String storageClass;
    private final int elementSize;

    TorchDType(String storageClass, int elementSize) {
        this.storageClass = storageClass;
        this.elementSize = elementSize;
    }

    /** Bytes per element. */
    public int elementSize() {
        return elementSize;
    }

    /** The class name pickled for this type, e.g. {@code FloatStorage} (module {@code torch}). */
    public String storageClass() {
        return storageClass;
    }

    /** The dtype for a pickled storage class name such as {@code FloatStorage}, or {@code null} if unknown. */
    public static TorchDType fromStorageClass(String name) {
        for (TorchDType t : values()) {
            if (t.storageClass.equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** Lower-case name as PyTorch prints it, e.g. {@code float32}. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
