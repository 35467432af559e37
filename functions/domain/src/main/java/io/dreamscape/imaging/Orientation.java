package io.dreamscape.imaging;

import java.awt.Rectangle;

/**
 * EXIF orientation (1-8) as a mapping between a stored pixel (as the file holds it, {@code width}×{@code height})
 * and the pixel as displayed. Same conventions as {@link DecodedImage#readRow}: 2 mirrors, 3 turns 180°, 4 flips,
 * 5 transposes, 6 turns 90° clockwise, 7 transverses, 8 turns 90° counter-clockwise.
 */
public record Orientation(int tag, int width, int height) {
    public Orientation {
        if (tag < 1 || tag > 8) tag = 1;
    }

    /** True when displayed rows are stored columns (5-8). */
    public boolean transposes() {
        return tag >= 5;
    }

    public int displayedWidth() {
        return transposes() ? height : width;
    }

    public int displayedHeight() {
        return transposes() ? width : height;
    }

    /** The displayed x of stored pixel ({@code sx}, {@code sy}). */
    public int displayedX(int sx, int sy) {
        return switch (tag) {
            case 2, 3 -> width - 1 - sx;
            case 5, 8 -> sy;
            case 6, 7 -> height - 1 - sy;
            default -> sx;
        };
    }

    /** The displayed y of stored pixel ({@code sx}, {@code sy}). */
    public int displayedY(int sx, int sy) {
        return switch (tag) {
            case 3, 4 -> height - 1 - sy;
            case 5, 6 -> sx;
            case 7, 8 -> width - 1 - sx;
            default -> sy;
        };
    }

    /** The stored x of displayed pixel ({@code dx}, {@code dy}). */
    public int storedX(int dx, int dy) {
        return switch (tag) {
            case 2, 3 -> width - 1 - dx;
            case 5, 6 -> dy;
            case 7, 8 -> width - 1 - dy;
            default -> dx;
        };
    }

    /** The stored y of displayed pixel ({@code dx}, {@code dy}). */
    public int storedY(int dx, int dy) {
        return switch (tag) {
            case 3, 4 -> height - 1 - dy;
            case 5, 8 -> dx;
            case 6, 7 -> height - 1 - dx;
            default -> dy;
        };
    }

    /** The stored rectangle holding exactly the pixels of a displayed rectangle (a shard's halo). */
    public Rectangle storedRegion(Rectangle displayed) {
        int x0 = displayed.x;
        int y0 = displayed.y;
        int x1 = displayed.x + displayed.width - 1;
        int y1 = displayed.y + displayed.height - 1;
        int ax = storedX(x0, y0);
        int ay = storedY(x0, y0);
        int bx = storedX(x1, y1);
        int by = storedY(x1, y1);
        return new Rectangle(Math.min(ax, bx), Math.min(ay, by), Math.abs(ax - bx) + 1, Math.abs(ay - by) + 1);
    }
}
