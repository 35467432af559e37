package io.dreamscape.job;

/** A rectangle in full-resolution, orientation-applied pixel coordinates: columns {@code [x, x+width)}, rows {@code [y, y+height)}. */
public record Rect(int x, int y, int width, int height) {
    public Rect {
        if (width <= 0 || height <= 0 || x < 0 || y < 0) {
            throw new IllegalArgumentException("invalid rectangle " + x + "," + y + " " + width + "×" + height);
        }
    }

    public int right() {
        return x + width;
    }

    public int bottom() {
        return y + height;
    }

    public long pixels() {
        return (long) width * height;
    }

    public boolean contains(Rect r) {
        return r.x >= x && r.y >= y && r.right() <= right() && r.bottom() <= bottom();
    }

    /** This rectangle grown by {@code margin} on every side, clipped to {@code [0,w) × [0,h)}. */
    public Rect grow(int margin, int w, int h) {
        int x0 = Math.max(0, x - margin);
        int y0 = Math.max(0, y - margin);
        int x1 = Math.min(w, right() + margin);
        int y1 = Math.min(h, bottom() + margin);
        return new Rect(x0, y0, x1 - x0, y1 - y0);
    }
}
