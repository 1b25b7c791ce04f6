package dev.atelier.app.document;

/** An integer pixel rectangle; {@code w} or {@code h} of 0 means empty. */
public record Rect(int x, int y, int w, int h) {
    public static final Rect EMPTY = new Rect(0, 0, 0, 0);

    public boolean isEmpty() {
        return w <= 0 || h <= 0;
    }

    public int right() {
        return x + w;
    }

    public int bottom() {
        return y + h;
    }

    public Rect union(Rect o) {
        if (isEmpty()) return o;
        if (o.isEmpty()) return this;
        int nx = Math.min(x, o.x), ny = Math.min(y, o.y);
        return new Rect(nx, ny, Math.max(right(), o.right()) - nx, Math.max(bottom(), o.bottom()) - ny);
    }

    public Rect intersect(Rect o) {
        int nx = Math.max(x, o.x), ny = Math.max(y, o.y);
        int r = Math.min(right(), o.right()), b = Math.min(bottom(), o.bottom());
        return r <= nx || b <= ny ? EMPTY : new Rect(nx, ny, r - nx, b - ny);
    }

    public Rect clip(int width, int height) {
        return intersect(new Rect(0, 0, width, height));
    }
}
