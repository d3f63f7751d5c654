package jlens.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.stream.Collectors;
import jlens.model.Gpt2;
import jlens.model.Gpt2Tokenizer;

/**
 * A scalar read from a pass's logits at one position, as activation patching measures it: the logit difference
 * {@code logit[answer] - logit[wrong]} or the log-probability of {@code answer}.
 *
 * @param kind what is read
 * @param answer the token whose logit (or log-prob) counts positively
 * @param wrong the subtracted token for {@link MetricKind#LOGIT_DIFF}; -1 for {@link MetricKind#LOGPROB}
 * @param position the position whose logits are read, as given: negative counts from the end (-1, the default,
 *     is the last token, whose logits predict the token after the text)
 */
public record Metric(MetricKind kind, long answer, long wrong, int position) {
    public Metric {
        if (answer < 0 || (kind == MetricKind.LOGIT_DIFF) != (wrong >= 0)) {
            throw new IllegalArgumentException(kind == MetricKind.LOGIT_DIFF ? "a logit difference needs two token ids"
                    : "a log-prob metric needs one token id");
        }
    }

    /** {@code logit[answer] - logit[wrong]} at {@code position}. */
    public static Metric logitDiff(long answer, long wrong, int position) {
        return new Metric(MetricKind.LOGIT_DIFF, answer, wrong, position);
    }

    /** {@code log_softmax(logits)[token]} at {@code position}. */
    public static Metric logprob(long token, int position) {
        return new Metric(MetricKind.LOGPROB, token, -1, position);
    }

    /** The id of {@code text} if it is exactly one token; otherwise an error naming the pieces it splits into. */
    public static long singleToken(Gpt2Tokenizer tokenizer, String text) {
        long[] ids = tokenizer.encode(text);
        if (ids.length == 1) {
            return ids[0];
        }
        if (ids.length == 0) {
            throw new IllegalArgumentException("the token is empty; give one token such as \" Mary\" (with its leading space)");
        }
        String pieces = Arrays.stream(tokenizer.pieces(ids)).map(Metric::quote).collect(Collectors.joining(" + "));
        throw new IllegalArgumentException(quote(text) + " is " + ids.length + " tokens (" + pieces
                + "); give a single token (GPT-2 words usually start with a space: \" Mary\")");
    }

    /** The position in a text of {@code t} tokens (0..t-1). */
    public int at(int t) {
        return Checks.position(position, t);
    }

    /** Checks the token ids against a vocabulary of {@code v} entries. */
    public void checkVocabulary(long v) {
        for (long id : kind == MetricKind.LOGIT_DIFF ? new long[] {answer, wrong} : new long[] {answer}) {
            if (id >= v) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary 0.." + (v - 1));
            }
        }
    }

    /** The metric of one pass from its logits {@code [1, T, V]}, in double from the float logits. */
    public double of(NDArray logits) {
        Tensors.requireSingleSequence(logits, 3, "logits");
        int p = at((int) logits.getShape().get(1));
        try (NDArray row = logits.get(0, p)) { // [V]
            return ofLogits(Tensors.floats(row));
        }
    }

    /** The metric of one row of logits {@code [V]}. */
    public double ofLogits(float[] logits) {
        if (kind == MetricKind.LOGIT_DIFF) {
            return (double) logits[(int) answer] - logits[(int) wrong];
        }
        return logits[(int) answer] - logSumExp(logits);
    }

    /**
     * The metric for each row of final residuals {@code [N, C]} (the input of the final LayerNorm at the metric's
     * position): the final LayerNorm, then for a logit difference only the two unembedding columns' difference,
     * for a log-prob the whole vocabulary in slices of at most {@code rowsPerSlice} rows.
     */
    public double[] ofFinalResidual(Gpt2 model, NDArray resid, int rowsPerSlice) {
        long n = resid.getShape().get(0);
        double[] out = new double[(int) n];
        try (NDManager scope = resid.getManager().newSubManager()) {
            NDArray x = resid.reshape(resid.getShape()); // a handle in scope: what is computed from it is freed here
            x.attach(scope);
            for (long from = 0; from < n; from += rowsPerSlice) {
                long to = Math.min(n, from + rowsPerSlice);
                try (NDManager slice = scope.newSubManager()) {
                    NDArray some = x.get("{}:{}", from, to); // [b, C]
                    some.attach(slice);
                    float[] m = Tensors.floats(tensor(model, some)); // [b]
                    for (int i = 0; i < m.length; i++) {
                        out[(int) from + i] = m[i];
                    }
                }
            }
        }
        return out;
    }

    /**
     * The metric of final residual rows {@code [N, C]} as an array {@code [N]} in {@code resid}'s manager, built from
     * differentiable ops (attribution patching takes its gradient).
     */
    public NDArray tensor(Gpt2 model, NDArray resid) {
        NDArray ln = MetricUnembedding.finalNorm(model, resid); // [N, C]
        NDManager m = resid.getManager();
        if (kind == MetricKind.LOGIT_DIFF) {
            NDArray u = MetricUnembedding.unembedRow(model, m, answer).sub(MetricUnembedding.unembedRow(model, m, wrong)); // [C]
            return ln.matMul(u.reshape(-1, 1)).reshape(-1); // [N]
        }
        return model.weights().unembedProduct(ln).logSoftmax(1).get(":, {}", answer); // [N]
    }

    /** The unit of the metric's values, for labels: "logit diff" or "log-prob". */
    public String unit() {
        return kind == MetricKind.LOGIT_DIFF ? "logit diff" : "log-prob";
    }

    /** A one-line description with decoded tokens, such as {@code logit[" Mary"] - logit[" John"] at position 15}. */
    public String describe(Gpt2Tokenizer tokenizer, int t) {
        String a = quote(tokenizer.pieces(new long[] {answer})[0]);
        String where = " at position " + at(t);
        return kind == MetricKind.LOGIT_DIFF
                ? "logit[" + a + "] - logit[" + quote(tokenizer.pieces(new long[] {wrong})[0]) + "]" + where
                : "log p(" + a + ")" + where;
    }

    static double logSumExp(float[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : x) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }

    /** A token's text in double quotes with control characters and quotes escaped: token text is untrusted. */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                        b.append(String.format(java.util.Locale.ROOT, "\\u%04x", c));
                    } else {
                        b.appendCodePoint(c);
                    }
                }
            }
        });
        return b.append('"').toString();
    }
}
