package io.dreamscape.imaging;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The little EXIF handling no library does for us on the write side: find the APP1 payload of a JPEG, and reset its
 * orientation tag to 1 before it is copied to an output whose pixels are already rotated upright.
 */
final class Exif {
    private static final byte[] HEADER = "Exif\0\0".getBytes(StandardCharsets.ISO_8859_1);

    private Exif() {
    }

    static byte[] readFromJpeg(InputStream raw) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        if (in.readUnsignedShort() != 0xFFD8) return null;
        while (true) {
            int marker = in.readUnsignedShort();
            if ((marker & 0xFF00) != 0xFF00 || marker == 0xFFDA || marker == 0xFFD9) return null;
            int len = in.readUnsignedShort() - 2;
            if (len < 0) return null;
            byte[] seg = in.readNBytes(len);
            if (seg.length < len) return null;
            if (marker == 0xFFE1 && startsWith(seg, HEADER)) {
                byte[] tiff = new byte[seg.length - HEADER.length];
                System.arraycopy(seg, HEADER.length, tiff, 0, tiff.length);
                return tiff;
            }
        }
    }

    /** A copy of the TIFF-structured EXIF payload with IFD0's orientation set to 1 (top-left). */
    static byte[] withOrientationReset(byte[] tiff) {
        byte[] copy = tiff.clone();
        try {
            ByteBuffer b = ByteBuffer.wrap(copy);
            b.order(copy[0] == 'I' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
            int ifd0 = b.getInt(4);
            int count = b.getShort(ifd0) & 0xffff;
            for (int i = 0; i < count; i++) {
                int entry = ifd0 + 2 + 12 * i;
                if ((b.getShort(entry) & 0xffff) == 0x0112) {
                    b.putShort(entry + 8, (short) 1);
                }
            }
        } catch (RuntimeException malformed) {
            return null; // never fail an output because of odd metadata: drop it instead
        }
        return copy;
    }

    /** The complete APP1 segment (marker, length, header, payload) for a TIFF payload, or null if too large. */
    static byte[] app1Segment(byte[] tiff) {
        int len = 2 + HEADER.length + tiff.length;
        if (len > 0xFFFF) return null;
        ByteBuffer b = ByteBuffer.allocate(2 + len).order(ByteOrder.BIG_ENDIAN);
        b.putShort((short) 0xFFE1).putShort((short) len).put(HEADER).put(tiff);
        return b.array();
    }

    private static boolean startsWith(byte[] a, byte[] prefix) {
        if (a.length < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if (a[i] != prefix[i]) return false;
        return true;
    }
}
