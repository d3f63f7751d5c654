package jlens.intervene.steering;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jlens.analysis.AnalysisResult;
import jlens.analysis.NdData;
import jlens.hook.HookPoint;
import jlens.model.Gpt2Config;
import jlens.intervene.Cells;
import jlens.intervene.Intervention;
import jlens.intervene.Site;
import jlens.intervene.Value;

/**
 * A steering vector and where it goes: added, times {@code coeff}, to the residual stream entering a layer
 * ({@code hook_resid_pre}, or another hook point of residual width), as {@link Value.Add} interventions. Three
 * placements: one vector at every position ({@code [C]}, generated positions included), a vector per position from
 * the front ({@code [P, C]}, positions 0..P-1 only: ActAdd's placement; a cached generation step adds nothing past
 * P), or one vector per layer at every position ({@code [L, C]}).
 *
 * @param label what it is, for a reader ({@code " love" - " hate"})
 * @param point the block hook point it is added at ({@link HookPoint#RESID_PRE} unless given)
 * @param layer the layer, or -1 for every layer (then {@code data} holds a row per layer)
 * @param data the vector(s), row-major, before the coefficient
 * @param shape {@code [C]}, {@code [P, C]} (from the front) or {@code [L, C]} (every layer)
 * @param coeff what the vector is multiplied by
 */
public record SteeringVector(String label, String point, int layer, float[] data, long[] shape, double coeff)
        implements AnalysisResult {
    public SteeringVector {
        data = data.clone();
        shape = shape.clone();
        if (shape.length < 1 || shape.length > 2 || shape[shape.length - 1] * (shape.length == 2 ? shape[0] : 1) != data.length) {
            throw new IllegalArgumentException("a steering vector is [C], [P, C] or [L, C]; got " + data.length + " values for "
                    + java.util.Arrays.toString(shape));
        }
        if (!Double.isFinite(coeff)) {
            throw new IllegalArgumentException("the coefficient must be a finite number, not " + coeff);
        }
        if (!HookPoint.BLOCK_POINTS.contains(point)) {
            throw new IllegalArgumentException("'" + point + "' is not a block hook point");
        }
    }

    /** Whether it is a vector per position from the front (ActAdd's placement). */
    public boolean front() {
        return shape.length == 2 && layer >= 0;
    }

    /** Whether it holds one vector per layer, each added at its layer. */
    public boolean everyLayer() {
        return layer < 0;
    }

    /** Values per vector (the residual width C). */
    public int width() {
        return (int) shape[shape.length - 1];
    }

    /** The same vector with another coefficient. */
    public SteeringVector withCoeff(double c) {
        return new SteeringVector(label, point, layer, data, shape, c);
    }

    /** Its interventions: one {@link Value.Add} per layer it goes to. */
    public List<Intervention> interventions(Gpt2Config config) {
        List<Intervention> out = new ArrayList<>();
        int c = width();
        if (everyLayer()) {
            if (shape[0] != config.nLayer()) {
                throw new IllegalArgumentException("a vector per layer needs " + config.nLayer() + " rows for this model; it has "
                        + shape[0]);
            }
            for (int l = 0; l < config.nLayer(); l++) {
                float[] row = java.util.Arrays.copyOfRange(data, l * c, (l + 1) * c);
                out.add(new Intervention(HookPoint.block(l, point), Cells.ALL, Value.add(Value.Table.of(row), coeff, label)));
            }
        } else if (front()) {
            int p = (int) shape[0];
            out.add(new Intervention(HookPoint.block(layer, point), Cells.first(p),
                    Value.add(new Value.Table(data, p), coeff, label)));
        } else {
            out.add(new Intervention(HookPoint.block(layer, point), Cells.ALL, Value.add(Value.Table.of(data), coeff, label)));
        }
        for (Intervention i : out) {
            i.check(config);
        }
        return out;
    }

    /** The vector's Euclidean norm (of every row together), before the coefficient. */
    public double norm() {
        return Value.Table.of(data).norm();
    }

    /** For a reader: {@code " love" - " hate" at resid_pre 6, x4, positions 0-2}. */
    public String describe() {
        String where = everyLayer() ? "every layer's " + new Site(point).word() : new Site(point).word() + " " + layer;
        String placed = !front() ? ", every position" : shape[0] == 1 ? ", position 0 (front)"
                : ", positions 0-" + (shape[0] - 1) + " (front)";
        return label + " at " + where + ", x" + num(coeff) + placed;
    }

    private static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.4g", v);
    }

    /** The vector before the coefficient, as {@code save FILE.npy} writes it. */
    @Override
    public NdData array() {
        return NdData.of(shape, data);
    }

    @Override
    public List<String> columns() {
        return shape.length == 1 ? List.of("dim", "value") : List.of(everyLayer() ? "layer" : "position", "dim", "value");
    }

    @Override
    public int rowCount() {
        return data.length;
    }

    @Override
    public Object[] row(int i) {
        int c = width();
        return shape.length == 1 ? new Object[] {i, data[i]} : new Object[] {i / c, i % c, data[i]};
    }
}
