package io.dreamscape.engine;

import ai.djl.Device;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.storage.ImagePlanes;
import io.dreamscape.engine.storage.MaskInput;
import io.dreamscape.engine.storage.StreamedInput;
import io.dreamscape.imaging.ImageDecoder;
import io.dreamscape.imaging.ImageEncoder;
import io.dreamscape.imaging.ImageException;
import io.dreamscape.imaging.ImageFormat;
import io.dreamscape.imaging.ImageInfo;
import io.dreamscape.imaging.RegionDecoder;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerSelection;
import io.dreamscape.job.LayerWeight;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Dreams one image file into another: decode (header checked first), dream, encode atomically. The input is only
 * ever read; the output appears complete or not at all.
 */
public final class DreamFile {
    private DreamFile() {
    }

    /** What a run did: the parameters actually used (seed included), layers, size and the objective per step. */
    public record Result(DreamParameters params, List<LayerWeight> layers, int width, int height, List<Double> objectives) {
    }

    public static Result run(Path in, Path out, DreamParameters params, DreamNetwork network, Device device,
                             Path scratch, DreamListener listener) throws IOException {
        return run(in, out, params, network, List.of(device), d -> network, scratch, listener);
    }

    /** On several devices ({@link DeviceCount}): {@code opener} loads the network on each GPU after the first. */
    public static Result run(Path in, Path out, DreamParameters params, DreamNetwork network, List<Device> devices,
                             DeviceSteps.Opener<IOException> opener, Path scratch, DreamListener listener)
            throws IOException {
        GuideImage guide = params.guide() == null ? null : GuideImage.load(Path.of(params.guide()), params.tile(), scratch);
        return run(in, out, params, network, devices, opener, scratch, listener, guide);
    }

    /** As above with the guide image already loaded ({@code params.guide()} is then only its name). */
    public static Result run(Path in, Path out, DreamParameters params, DreamNetwork network, List<Device> devices,
                             DeviceSteps.Opener<IOException> opener, Path scratch, DreamListener listener,
                             GuideImage guide) throws IOException {
        if (Files.exists(out) && Files.isSameFile(in, out)) {
            throw new ImageException("the output " + out + " is the input file; choose another name (inputs are never overwritten)");
        }
        ImageFormat outFormat = ImageFormat.forFileName(out.getFileName().toString());
        List<LayerWeight> layers = LayerSelection.resolve(params, network.layers(), network.channels());
        ImageInfo info = RegionDecoder.probe(in, params.maxPixels());
        byte[] exif = ImageDecoder.readExif(in);
        List<Double> objectives = new ArrayList<>();
        Files.createDirectories(scratch);
        // Rows stream from the decoder into the mapped planes: no decoded copy of the image on the heap.
        // The mask is checked (readable, the image's shape) before the image is decoded.
        FloatPlanes maskPlane = params.mask() == null ? null : MaskInput.load(Path.of(params.mask()),
                info.orientedWidth(), info.orientedHeight(), params.maxPixels(), scratch);
        StreamedInput.Loaded loaded;
        try {
            loaded = StreamedInput.load(in, info, scratch);
        } catch (IOException | RuntimeException | Error e) {
            if (maskPlane != null) maskPlane.close();
            throw e;
        }
        int bits = loaded.bitsPerSample();
        try (FloatPlanes mask = maskPlane;
             FloatPlanes image = loaded.planes();
             DeviceSteps gradients = DeviceSteps.open(network, layers, devices, opener, guide)) {
            // One full collection hands the decode's heap back to the OS before libtorch allocates for the tiles, so
            // the two peaks do not add up: the streamed decode's short-lived row garbage (the young generation fills
            // with it), or the classic decode's whole image (an interlaced PNG). Measured: docs/benchmarks.md.
            System.gc();
            DreamListener recording = new DreamListener() {
                @Override
                public void progress(long done, long total) {
                    listener.progress(done, total);
                }

                @Override
                public void stepDone(int octave, int step, double objective) {
                    objectives.add(objective);
                    listener.stepDone(octave, step, objective);
                }

                @Override
                public boolean continueAfter(int octave, int stepsDone, WorkingImage working) {
                    return listener.continueAfter(octave, stepsDone, working);
                }
            };
            try (FloatPlanes result = new DreamEngine(gradients.steps(), params, scratch, mask).dream(image, recording)) {
                boolean sixteen = bits > 8 && outFormat != ImageFormat.JPEG;
                java.awt.image.BufferedImage pixels = ImagePlanes.toImage(result, sixteen);
                if (outFormat == ImageFormat.TIFF) pixels = ImagePlanes.materialize(pixels);
                ImageEncoder.write(pixels, out, params.quality(), exif);
            }
            return new Result(params, layers, image.width(), image.height(), List.copyOf(objectives));
        }
    }
}
