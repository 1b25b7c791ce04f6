package dev.atelier.app.mask;

import dev.atelier.app.document.Rect;

/**
 * One stroke from press to release. Dabs are stamped along each segment at a spacing of a fraction of the radius,
 * so a fast drag (few, distant mouse events) still leaves a continuous line. Coverage within a stroke is the
 * maximum over its dabs (overlapping dabs do not build up past the opacity), composited over the mask as it was
 * when the stroke began.
 */
public final class BrushStroke {
    private static final double SPACING = 0.15;

    private final Mask mask;
    private final BrushSettings brush;
    private final byte[] base;
    private final byte[] coverage;
    private Rect dirty = Rect.EMPTY;
    private double lastX = Double.NaN, lastY, lastPressure;
    private double carry;

    public BrushStroke(Mask mask, BrushSettings brush) {
        this.mask = mask;
        this.brush = brush;
        this.base = mask.data().clone();
        this.coverage = new byte[base.length];
    }

    /** Adds a point (image coordinates, pressure 0..1; 1 where the platform reports none); returns the changed area. */
    public Rect lineTo(double x, double y, double pressure) {
        Rect changed = Rect.EMPTY;
        if (Double.isNaN(lastX)) {
            changed = dab(x, y, pressure);
        } else {
            double dx = x - lastX, dy = y - lastY;
            double len = Math.hypot(dx, dy);
            double t = carry;
            while (t <= len) {
                double f = len == 0 ? 1 : t / len;
                double p = lastPressure + (pressure - lastPressure) * f;
                changed = changed.union(dab(lastX + dx * f, lastY + dy * f, p));
                t += spacing(p);
                if (len == 0) break;
            }
            carry = len == 0 ? carry : t - len;
        }
        lastX = x;
        lastY = y;
        lastPressure = pressure;
        dirty = dirty.union(changed);
        return changed;
    }

    private double spacing(double pressure) {
        return Math.max(0.5, radius(pressure) * 2 * SPACING);
    }

    private double radius(double pressure) {
        return Math.max(0.5, brush.size() / 2 * Math.max(0.05, pressure));
    }

    private Rect dab(double cx, double cy, double pressure) {
        double r = radius(pressure);
        int w = mask.width();
        Rect box = new Rect((int) Math.floor(cx - r - 1), (int) Math.floor(cy - r - 1),
                (int) Math.ceil(2 * r + 3), (int) Math.ceil(2 * r + 3)).clip(w, mask.height());
        if (box.isEmpty()) return Rect.EMPTY;
        double hard = brush.hardness();
        double opacity = brush.opacity() * 255;
        byte[] d = mask.data();
        for (int y = box.y(); y < box.bottom(); y++) {
            double py = y + 0.5 - cy;
            for (int x = box.x(); x < box.right(); x++) {
                double px = x + 0.5 - cx;
                double dist = Math.sqrt(px * px + py * py);
                double edge = Math.min(1, Math.max(0, r - dist + 0.5)); // 1-pixel antialiased rim
                if (edge <= 0) continue;
                double fall = 1;
                double inner = r * hard;
                if (dist > inner && hard < 1) {
                    double t = (dist - inner) / (r - inner);
                    fall = t >= 1 ? 0 : 1 - t * t * (3 - 2 * t);
                }
                int cov = (int) Math.round(opacity * Math.min(edge, fall));
                int i = y * w + x;
                if (cov <= (coverage[i] & 0xff)) continue;
                coverage[i] = (byte) cov;
                int b = base[i] & 0xff;
                int v = brush.eraser() ? b * (255 - cov) / 255 : b + ((255 - b) * cov + 127) / 255;
                d[i] = (byte) v;
            }
        }
        return box;
    }

    /** Ends the stroke: an undoable edit holding the before and after pixels of the touched area, or null if none. */
    public MaskEdit finish(String label) {
        if (dirty.isEmpty()) return null;
        byte[] before = new byte[dirty.w() * dirty.h()];
        for (int row = 0; row < dirty.h(); row++) {
            System.arraycopy(base, (dirty.y() + row) * mask.width() + dirty.x(), before, row * dirty.w(), dirty.w());
        }
        return new MaskEdit(label, dirty, before, mask.copyRegion(dirty));
    }

    public Rect dirty() {
        return dirty;
    }
}
