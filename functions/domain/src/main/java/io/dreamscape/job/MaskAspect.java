package io.dreamscape.job;

import java.util.Locale;

/**
 * A mask may have any size as long as it has the image's shape: it is resized to the image (and to each octave), so
 * a 1000×500 mask paints a 40000×20000 panorama. Shapes are compared as width/height ratios within
 * {@value #TOLERANCE_PERCENT} %, which allows the rounding of any downscale a person would make (a 6000×4000 photo's
 * mask at 641×427 is 0.07 % off) but refuses a mask drawn for another crop or orientation.
 */
public final class MaskAspect {
    public static final double TOLERANCE_PERCENT = 1.0;

    private MaskAspect() {
    }

    /** Throws a sentence naming both sizes and ratios when the mask's shape is not the image's. */
    public static void check(int maskWidth, int maskHeight, int imageWidth, int imageHeight) {
        double mask = (double) maskWidth / maskHeight;
        double image = (double) imageWidth / imageHeight;
        if (Math.abs(mask / image - 1) * 100 > TOLERANCE_PERCENT) {
            throw new ParameterException(String.format(Locale.ROOT, "the mask is %d×%d (aspect ratio %.3f) but the image "
                            + "is %d×%d (aspect ratio %.3f); a mask may have any size but must have the image's aspect ratio "
                            + "(within %.0f %%): resize or crop it to the image's shape (as displayed, EXIF rotation applied)",
                    maskWidth, maskHeight, mask, imageWidth, imageHeight, image, TOLERANCE_PERCENT));
        }
    }
}
