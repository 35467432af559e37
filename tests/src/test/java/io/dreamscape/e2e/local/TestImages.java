package io.dreamscape.e2e.local;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/** Inputs for the local-mode tests: real photos made small (CPU time), and the bad uploads of the issue. */
final class TestImages {
    private TestImages() {
    }

    /** A real photo from the shared folder, scaled to {@code width} pixels wide, as JPEG. */
    static byte[] photo(String name, int width) throws IOException {
        BufferedImage src = ImageIO.read(LocalModeProcess.photo(name).toFile());
        int height = Math.max(1, Math.round((float) src.getHeight() * width / src.getWidth()));
        BufferedImage small = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = small.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, width, height, null);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(small, "jpg", out);
        return out.toByteArray();
    }

    static BufferedImage decode(byte[] bytes) throws IOException {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes));
        if (img == null) throw new IOException("not an image (" + bytes.length + " bytes)");
        return img;
    }

    static BufferedImage decode(Path file) throws IOException {
        return decode(java.nio.file.Files.readAllBytes(file));
    }

    /** Mean absolute difference per channel (0-255) of two same-size images. */
    static double meanDifference(BufferedImage a, BufferedImage b) {
        long sum = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                for (int s = 0; s <= 16; s += 8) sum += Math.abs(((p >> s) & 255) - ((q >> s) & 255));
            }
        }
        return sum / (3.0 * a.getWidth() * a.getHeight());
    }

    /** The first {@code keep} bytes of a JPEG: the header survives, the scan data is cut off. */
    static byte[] truncated(byte[] jpeg, int keep) {
        return Arrays.copyOf(jpeg, Math.min(keep, jpeg.length));
    }

    static byte[] textAsJpeg() {
        return "This is a shopping list, not a photo.\nmilk\nbread\n".getBytes(StandardCharsets.UTF_8);
    }

    /** A PNG whose header declares 70000×70000 pixels (4.9 gigapixels): a decompression bomb, never decoded. */
    static byte[] headerBomb() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(out);
        d.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream h = new DataOutputStream(ihdr);
        h.writeBytes("IHDR");
        h.writeInt(70_000);
        h.writeInt(70_000);
        h.write(new byte[] {8, 2, 0, 0, 0});
        byte[] chunk = ihdr.toByteArray();
        d.writeInt(chunk.length - 4);
        d.write(chunk);
        CRC32 crc = new CRC32();
        crc.update(chunk);
        d.writeInt((int) crc.getValue());
        d.write(new byte[64]); // a little of what would be IDAT
        return out.toByteArray();
    }
}
