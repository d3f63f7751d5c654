package jlens.sae;

import java.util.Locale;

/**
 * One change to an SAE's features while it stands in the model, the error term kept so that only the change reaches
 * the model: a feature zeroed, set to a value, or its decoder direction added.
 *
 * @param kind what is done
 * @param feature the feature
 * @param value the value set ({@link Kind#SET}) or the coefficient of {@code W_dec[feature]} ({@link Kind#STEER})
 */
public record SaeEdit(Kind kind, int feature, double value) {
    /** The three edits. */
    public enum Kind {
        /** The feature's activation is 0 at every position. */
        ABLATE,
        /** The feature's activation is {@code value} at every position. */
        SET,
        /** {@code value * W_dec[feature]} is added to the hook's activation at every position. */
        STEER
    }

    public SaeEdit {
        if (feature < 0) {
            throw new IllegalArgumentException("a feature is a number from 0, not " + feature);
        }
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("the value must be a finite number, not " + value);
        }
    }

    public static SaeEdit ablate(int feature) {
        return new SaeEdit(Kind.ABLATE, feature, 0);
    }

    public static SaeEdit set(int feature, double value) {
        return new SaeEdit(Kind.SET, feature, value);
    }

    public static SaeEdit steer(int feature, double coeff) {
        return new SaeEdit(Kind.STEER, feature, coeff);
    }

    /** {@code feature 85 zeroed}, {@code feature 7 set to 2}, {@code + 4 x W_dec[12]}. */
    public String describe() {
        return switch (kind) {
            case ABLATE -> "feature " + feature + " zeroed";
            case SET -> "feature " + feature + " set to " + num(value);
            case STEER -> "+ " + num(value) + " x W_dec[" + feature + "]";
        };
    }

    static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.4g", v);
    }
}
