import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * The few picture operations make-pictures.sh needs, with the JDK alone (run as {@code java PictureOps.java ...}):
 * {@code fit IN OUT WIDTH HEIGHT} crops the centre of IN to WIDTH:HEIGHT and scales it to WIDTH×HEIGHT (bicubic);
 * {@code roll IN OUT QUALITY} writes IN shifted right by half its width (wrapping) as a JPEG;
 * {@code jpeg IN OUT QUALITY} writes IN as a JPEG.
 * {@code ramp OUT WIDTH HEIGHT} writes a greyscale PNG mask: black left third, a ramp across the middle, white right third.
 */
public class PictureOps {
    public static void main(String[] a) throws Exception {
        if (a[0].equals("ramp")) {
            int w = Integer.parseInt(a[2]);
            int h = Integer.parseInt(a[3]);
            BufferedImage m = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            for (int x = 0; x < w; x++) {
                double v = Math.min(1, Math.max(0, ((double) x / (w - 1) - 1.0 / 3) * 3));
                for (int y = 0; y < h; y++) m.getRaster().setSample(x, y, 0, (int) Math.round(255 * v));
            }
            ImageIO.write(m, "png", new File(a[1]));
            return;
        }
        BufferedImage in = ImageIO.read(new File(a[1]));
        if (a[0].equals("fit")) {
            int w = Integer.parseInt(a[3]);
            int h = Integer.parseInt(a[4]);
            double aspect = (double) w / h;
            int cw = in.getWidth();
            int ch = (int) Math.round(cw / aspect);
            if (ch > in.getHeight()) {
                ch = in.getHeight();
                cw = (int) Math.round(ch * aspect);
            }
            int x0 = (in.getWidth() - cw) / 2;
            int y0 = (in.getHeight() - ch) / 2;
            BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            var g = out.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(in, 0, 0, w, h, x0, y0, x0 + cw, y0 + ch, null);
            g.dispose();
            ImageIO.write(out, "png", new File(a[2]));
        } else if (a[0].equals("roll") || a[0].equals("jpeg")) {
            int w = in.getWidth();
            int shift = a[0].equals("roll") ? w / 2 : 0;
            BufferedImage out = new BufferedImage(w, in.getHeight(), BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < in.getHeight(); y++)
                for (int x = 0; x < w; x++) out.setRGB((x + shift) % w, y, in.getRGB(x, y));
            ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(Integer.parseInt(a[3]) / 100f);
            java.nio.file.Files.deleteIfExists(new File(a[2]).toPath()); // the stream would not truncate an old file
            try (ImageOutputStream s = ImageIO.createImageOutputStream(new File(a[2]))) {
                writer.setOutput(s);
                writer.write(null, new IIOImage(out, null, null), p);
            }
            writer.dispose();
        } else {
            throw new IllegalArgumentException("fit IN OUT WIDTH HEIGHT | roll IN OUT QUALITY | jpeg IN OUT QUALITY");
        }
    }
}
