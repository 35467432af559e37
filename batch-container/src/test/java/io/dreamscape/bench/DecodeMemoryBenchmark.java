package io.dreamscape.bench;

import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.storage.ImagePlanes;
import io.dreamscape.engine.storage.StreamedInput;
import io.dreamscape.imaging.ImageDecoder;
import io.dreamscape.imaging.RegionDecoder;
import java.awt.Rectangle;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BandedSampleModel;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Issue 11's decode benchmark (a benchmark, not a test): peak anonymous memory (RssAnon, sampled every 100 ms as in
 * {@link EngineBenchmark}) of
 * <ul>
 *   <li>{@code dreamscape dream} with a near-trivial model, 1 octave, 1 step, for JPEGs of the given sizes, run from two
 *   CLI jars side by side (before = main, after = this branch): {@code cli before=JAR,after=JAR MODEL WORK MP...};</li>
 *   <li>the input stage of one shard worker — decoding the centre halo of a 20000×12500 JPEG cut in 3×3 shards into
 *   float planes — the classic way (whole decode, then copy; exactly what the worker did before) and streamed:
 *   {@code shard WORK};</li>
 *   <li>the decode stage alone for a whole image, classic vs streamed: {@code whole WORK MP}.</li>
 * </ul>
 * The synthetic JPEGs are written once into WORK from a lazy raster (no pixel copy, so 1 GP can be made) and reused.
 */
public final class DecodeMemoryBenchmark {
    public static void main(String[] args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        if (args[0].equals("cli")) {
            // cli LABEL=JAR[,LABEL=JAR...] MODEL WORK MP...
            String[] jars = args[1].split(",");
            String model = args[2];
            Path work = Files.createDirectories(Path.of(args[3]));
            List<String> rows = new ArrayList<>();
            for (int i = 4; i < args.length; i++) {
                double mp = Double.parseDouble(args[i]);
                int w = (int) Math.round(Math.sqrt(mp * 1e6 * 1.5));
                int h = (int) Math.round(mp * 1e6 / w);
                Path in = synthetic(work, w, h);
                for (String labelled : jars) {
                    String label = labelled.substring(0, labelled.indexOf('='));
                    Path jar = Path.of(labelled.substring(labelled.indexOf('=') + 1));
                    Path out = work.resolve("out.jpg");
                    List<String> cmd = List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:MaxRAMPercentage=50",
                            "-jar", jar.toString(), "dream", in.toString(), "-o", out.toString(), "--model", model,
                            "--layer", "conv2", "--octaves", "1", "--steps", "1", "--quiet",
                            "--max-pixels", "2000000000", // "1000" MP rounds to 1.0000086 GP
                            "--scratch", work.resolve("scratch").toString());
                    String row = String.format(Locale.ROOT, "| %s MP (%d×%d) | %s | %s |", args[i], w, h, label,
                            measure(cmd, work.resolve("cli-" + args[i] + "-" + label + ".log")));
                    Files.deleteIfExists(out);
                    rows.add(row);
                    System.err.println(row);
                }
            }
            System.out.println("| input | build | peak RssAnon, wall |");
            System.out.println("|---|---|---|");
            rows.forEach(System.out::println);
        } else if (args[0].equals("shard")) {
            Path work = Files.createDirectories(Path.of(args[1]));
            Path in = synthetic(work, 20000, 12500);
            String cp = System.getProperty("java.class.path");
            System.out.println("| 20000×12500 JPEG, centre shard of 3×3 (halo 7066×4334 at 6466,4082) | peak RssAnon, wall |");
            System.out.println("|---|---|");
            for (String mode : List.of("classic", "streamed")) {
                List<String> cmd = List.of(java, "-XX:MaxRAMPercentage=60", "-cp", cp,
                        DecodeMemoryBenchmark.class.getName(), "decode-halo", mode, in.toString(), work.toString());
                String row = "| " + mode + " | " + measure(cmd, work.resolve("shard-" + mode + ".log")) + " |";
                System.out.println(row);
            }
        } else if (args[0].equals("whole")) {
            // whole WORK MP: the decode stage alone (whole image into float planes), classic vs streamed
            Path work = Files.createDirectories(Path.of(args[1]));
            double mp = Double.parseDouble(args[2]);
            int w = (int) Math.round(Math.sqrt(mp * 1e6 * 1.5));
            int h = (int) Math.round(mp * 1e6 / w);
            Path in = synthetic(work, w, h);
            String cp = System.getProperty("java.class.path");
            for (String mode : List.of("classic", "streamed")) {
                List<String> cmd = List.of(java, "-XX:MaxRAMPercentage=50", "-cp", cp,
                        DecodeMemoryBenchmark.class.getName(), "decode", mode, in.toString(), work.toString(),
                        "0,0," + w + "," + h);
                System.out.println("| " + args[2] + " MP (" + w + "×" + h + "), whole image | " + mode + " | "
                        + measure(cmd, work.resolve("whole-" + args[2] + "-" + mode + ".log")) + " |");
            }
        } else if (args[0].equals("decode-halo")) {
            decodeHalo(args[1], Path.of(args[2]), Path.of(args[3]));
        } else if (args[0].equals("decode")) {
            String[] r = args[4].split(",");
            decode(args[1], Path.of(args[2]), Path.of(args[3]), new Rectangle(Integer.parseInt(r[0]),
                    Integer.parseInt(r[1]), Integer.parseInt(r[2]), Integer.parseInt(r[3])));
        } else {
            throw new IllegalArgumentException("cli | shard");
        }
    }

    /** The child of "shard": the centre halo (shard 1,1 of 3×3 plus a 400 px halo) into float planes. */
    static void decodeHalo(String mode, Path in, Path work) throws IOException {
        decode(mode, in, work, new Rectangle(20000 / 3 - 200, 12500 / 3 - 84, 20000 / 3 + 400, 12500 / 3 + 400 - 232));
    }

    static void decode(String mode, Path in, Path work, Rectangle halo) throws IOException {
        Path scratch = Files.createDirectories(work.resolve("scratch"));
        long t0 = System.nanoTime();
        if (mode.equals("classic")) {
            // What Worker.loadHalo did before issue 11: decode everything, then copy the halo.
            try (FloatPlanes p = ImagePlanes.load(ImageDecoder.read(in, 2_000_000_000L), halo.x, halo.y, halo.width,
                    halo.height, scratch)) {
                System.out.println("classic " + p.width() + "×" + p.height());
            }
        } else {
            try (FloatPlanes p = StreamedInput.load(in, RegionDecoder.probe(in, 2_000_000_000L), halo, scratch).planes()) {
                System.out.println("streamed " + p.width() + "×" + p.height());
            }
        }
        System.out.println("seconds " + (System.nanoTime() - t0) / 1e9);
    }

    static String measure(List<String> cmd, Path log) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        long t0 = System.nanoTime();
        Process proc = pb.start();
        long peakAnon = 0;
        while (proc.isAlive()) {
            peakAnon = Math.max(peakAnon, EngineBenchmark.status(proc.pid())[0]);
            Thread.sleep(100);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        if (proc.exitValue() != 0) {
            String tail = Files.readString(log);
            tail = tail.substring(Math.max(0, tail.length() - 300)).replace('\n', ' ').replace('|', '/');
            return String.format(Locale.ROOT, "failed (exit %d after %.0f s, peak %d MiB): %s", proc.exitValue(), s,
                    peakAnon >> 10, tail);
        }
        return String.format(Locale.ROOT, "%d MiB, %.0f s", peakAnon >> 10, s);
    }

    /** A synthetic JPEG (gradients, waves, a little noise) of w×h in {@code work}, written once. */
    static Path synthetic(Path work, int w, int h) throws IOException {
        Path file = work.resolve("synthetic-" + w + "x" + h + ".jpg");
        if (Files.exists(file)) return file;
        Path temp = work.resolve(file.getFileName() + ".tmp");
        long t0 = System.nanoTime();
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
        BandedSampleModel sm = new BandedSampleModel(DataBuffer.TYPE_BYTE, w, h, 3);
        BufferedImage img = new BufferedImage(cm, Raster.createWritableRaster(sm, new Pattern(w, h), null), false, null);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(temp.toFile())) {
            writer.setOutput(ios);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(0.85f);
            writer.write(null, new IIOImage(img, null, null), p);
        } finally {
            writer.dispose();
        }
        Files.move(temp, file);
        System.err.printf(Locale.ROOT, "wrote %s (%d MB) in %.0f s%n", file, Files.size(file) >> 20, (System.nanoTime() - t0) / 1e9);
        return file;
    }

    /** Pixels computed on read: a picture of any size without its bytes in memory. */
    static final class Pattern extends DataBuffer {
        private final int w;
        private final int h;

        Pattern(int w, int h) {
            super(TYPE_BYTE, Math.multiplyExact(w, h), 3);
            this.w = w;
            this.h = h;
        }

        @Override
        public int getElem(int bank, int i) {
            int x = i % w;
            int y = i / w;
            int noise = (int) ((x * 0x9E3779B1L ^ y * 0x85EBCA77L) >>> 7) & 15;
            int v = switch (bank) {
                case 0 -> (int) (x * 239L / w) + noise;
                case 1 -> (int) (y * 239L / h) + noise;
                default -> (int) (128 + 60 * Math.sin(x * 0.01 + y * 0.013));
            };
            return v;
        }

        @Override
        public void setElem(int bank, int i, int val) {
            throw new UnsupportedOperationException();
        }
    }
}
