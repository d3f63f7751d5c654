package jlens.hook;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names of jlens's hook points: TransformerLens's vocabulary, so published work translates one to one,
 * plus {@code blocks.{l}.attn.hook_qkv} for the fused {@code c_attn} output the seed notebook hooks.
 * This is the one place where hook names are spelled.
 */
public final class HookPoint {
    private HookPoint() {}

    // Per block, after "blocks.{l}.": shapes for batch B, positions T, heads NH, width C, head width HS.
    public static final String RESID_PRE = "hook_resid_pre"; // [B, T, C]
    /**
     * The residual stream as one head's query sees it, before its LayerNorm: [B, T, NH, C]. As TransformerLens's
     * {@code use_split_qkv_input}, computed only in a pass with a hook on it (or on the key or value input); each
     * head then normalises and projects its own copy, so a change reaches that head's query alone. EAP-IG's graph
     * has an edge into each head's q, k and v input.
     */
    public static final String Q_INPUT = "hook_q_input"; // [B, T, NH, C]
    public static final String K_INPUT = "hook_k_input"; // [B, T, NH, C]
    public static final String V_INPUT = "hook_v_input"; // [B, T, NH, C]
    public static final String LN1 = "ln1.hook_normalized"; // [B, T, C]
    public static final String QKV = "attn.hook_qkv"; // [B, T, 3C]
    public static final String Q = "attn.hook_q"; // [B, T, NH, HS]
    public static final String K = "attn.hook_k"; // [B, T, NH, HS]
    public static final String V = "attn.hook_v"; // [B, T, NH, HS]
    public static final String ATTN_SCORES = "attn.hook_attn_scores"; // [B, NH, T, T], scaled, causal -inf
    public static final String PATTERN = "attn.hook_pattern"; // [B, NH, T, T]
    public static final String Z = "attn.hook_z"; // [B, T, NH, HS], the input of c_proj
    /**
     * Each head's output before the heads are summed, {@code z_h @ W_O[h]} without the bias: [B, T, NH, C]. As
     * TransformerLens's {@code use_attn_result}, computed only in a pass with a hook on it (NH times attn_out's size).
     */
    public static final String RESULT = "attn.hook_result"; // [B, T, NH, C]
    public static final String ATTN_OUT = "hook_attn_out"; // [B, T, C]
    public static final String RESID_MID = "hook_resid_mid"; // [B, T, C]
    /** The MLP's input, a copy of resid_mid that only the MLP reads (TransformerLens's {@code hook_mlp_in}). */
    public static final String MLP_IN = "hook_mlp_in"; // [B, T, C]
    public static final String LN2 = "ln2.hook_normalized"; // [B, T, C]
    public static final String MLP_PRE = "mlp.hook_pre"; // [B, T, 4C]
    public static final String MLP_POST = "mlp.hook_post"; // [B, T, 4C]
    public static final String MLP_OUT = "hook_mlp_out"; // [B, T, C]
    public static final String RESID_POST = "hook_resid_post"; // [B, T, C]

    /** Block hook points in the order the forward pass reaches them. */
    public static final List<String> BLOCK_POINTS = List.of(RESID_PRE, Q_INPUT, K_INPUT, V_INPUT, LN1, QKV, Q, K, V,
            ATTN_SCORES, PATTERN, Z, RESULT, ATTN_OUT, RESID_MID, MLP_IN, LN2, MLP_PRE, MLP_POST, MLP_OUT, RESID_POST);

    // Global hook points.
    public static final String EMBED = "hook_embed"; // [B, T, C]
    public static final String POS_EMBED = "hook_pos_embed"; // [B, T, C]
    public static final String LN_FINAL = "ln_final.hook_normalized"; // [B, T, C]
    public static final String LOGITS = "unembed.hook_out"; // [B, T, V]

    /** Short names (TransformerLens's {@code get_act_name} words, and ours) to block suffixes. */
    private static final Map<String, String> SHORT = Map.ofEntries(
            Map.entry("resid_pre", RESID_PRE), Map.entry("q_input", Q_INPUT), Map.entry("k_input", K_INPUT),
            Map.entry("v_input", V_INPUT), Map.entry("mlp_in", MLP_IN), Map.entry("ln1", LN1), Map.entry("normalized1", LN1),
            Map.entry("qkv", QKV), Map.entry("c_attn", QKV), Map.entry("q", Q), Map.entry("k", K), Map.entry("v", V),
            Map.entry("attn_scores", ATTN_SCORES), Map.entry("scores", ATTN_SCORES), Map.entry("pattern", PATTERN),
            Map.entry("attn", PATTERN), Map.entry("z", Z), Map.entry("result", RESULT), Map.entry("attn_out", ATTN_OUT),
            Map.entry("resid_mid", RESID_MID), Map.entry("ln2", LN2), Map.entry("pre", MLP_PRE),
            Map.entry("mlp_pre", MLP_PRE), Map.entry("post", MLP_POST), Map.entry("mlp_post", MLP_POST),
            Map.entry("mlp_out", MLP_OUT), Map.entry("resid_post", RESID_POST));

    private static final Map<String, String> SHORT_GLOBAL = Map.of("embed", EMBED, "pos_embed", POS_EMBED,
            "ln_final", LN_FINAL, "logits", LOGITS);

    private static final Pattern BLOCK_NAME = Pattern.compile("blocks\\.(-?\\d+)\\.(.+)");
    private static final Pattern LAYER_SUFFIX = Pattern.compile("\\s*(-?\\d+)?");

    /** Short words, longest first, so "resid_pre" wins over "pre" and "ln1 0" reads as ln1 at layer 0. */
    private static final List<String> SHORT_BY_LENGTH = SHORT.keySet().stream()
            .sorted(java.util.Comparator.comparingInt(String::length).reversed().thenComparing(s -> s))
            .toList();

    /**
     * The block point that {@code word} names without a layer: a short word ({@code z}, {@code q}, {@code resid_pre},
     * {@code result}), the point itself ({@code attn.hook_z}) or its last part ({@code hook_z}); null when none.
     */
    public static String blockPoint(String word) {
        String w = word.trim().toLowerCase(Locale.ROOT);
        if (SHORT.containsKey(w)) {
            return SHORT.get(w);
        }
        for (String point : BLOCK_POINTS) {
            if (w.equals(point) || w.equals(point.substring(point.indexOf('.') + 1))) {
                return point;
            }
        }
        return null;
    }

    /** {@code blocks.{layer}.{point}}. */
    public static String block(int layer, String point) {
        return "blocks." + layer + "." + point;
    }

    /** Every hook point of a model with {@code nLayer} layers, in forward order. */
    public static List<String> all(int nLayer) {
        List<String> out = new ArrayList<>();
        out.add(EMBED);
        out.add(POS_EMBED);
        for (int l = 0; l < nLayer; l++) {
            for (String p : BLOCK_POINTS) {
                out.add(block(l, p));
            }
        }
        out.add(LN_FINAL);
        out.add(LOGITS);
        return out;
    }

    /** The layer of a block hook name, or -1 for a global one. */
    public static int layerOf(String name) {
        Matcher m = BLOCK_NAME.matcher(name);
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** The part after {@code blocks.{l}.}, or the name itself for a global one. */
    public static String pointOf(String name) {
        Matcher m = BLOCK_NAME.matcher(name);
        return m.matches() ? m.group(2) : name;
    }

    /**
     * Resolves a full or short name to the exact hook name: {@code blocks.5.attn.hook_q}, {@code q5},
     * {@code q 5}, {@code pattern -1} (negative layers count from the end), {@code blocks.-1.hook_resid_post},
     * {@code logits}.
     *
     * @throws IllegalArgumentException with a message that says what is valid
     */
    public static String resolve(String spec, int nLayer) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty hook name; try a name like blocks.0.attn.hook_q or q0 (see 'hooks')");
        }
        Matcher full = BLOCK_NAME.matcher(s);
        if (full.matches()) {
            String point = full.group(2);
            if (!BLOCK_POINTS.contains(point)) {
                throw unknown(spec);
            }
            return block(layer(Long.parseLong(full.group(1)), nLayer, spec), point);
        }
        if (all(0).contains(s)) {
            return s;
        }
        if (SHORT_GLOBAL.containsKey(s)) {
            return SHORT_GLOBAL.get(s);
        }
        for (String word : SHORT_BY_LENGTH) {
            if (!s.startsWith(word)) {
                continue;
            }
            Matcher layer = LAYER_SUFFIX.matcher(s.substring(word.length()));
            if (!layer.matches()) {
                continue;
            }
            if (layer.group(1) == null) {
                throw new IllegalArgumentException("'" + spec + "' needs a layer: for example " + word + "0 or " + word + " -1");
            }
            return block(layer(Long.parseLong(layer.group(1)), nLayer, spec), SHORT.get(word));
        }
        throw unknown(spec);
    }

    private static int layer(long given, int nLayer, String spec) {
        long l = given < 0 ? nLayer + given : given;
        if (l < 0 || l >= nLayer) {
            throw new IllegalArgumentException("layer " + given + " in '" + spec + "' is out of range: the model has layers 0.."
                    + (nLayer - 1) + " (or -" + nLayer + "..-1)");
        }
        return (int) l;
    }

    private static IllegalArgumentException unknown(String spec) {
        return new IllegalArgumentException("unknown hook point '" + spec + "'; names look like blocks.5.attn.hook_q, "
                + "short forms like q5, pattern -1, resid_pre 3 ('hooks all' lists them)");
    }

    /**
     * Whether the hook point's activation is laid out {@code [B, T, ...]}: batch, then position, then one position's
     * values. Every point is but the attention scores and pattern, which are {@code [B, NH, T, T]} (heads before
     * the query positions, and a key axis as long as the sequence). Reductions over prompts by position (a set's
     * mean activation) take only the first kind.
     */
    public static boolean batchThenPosition(String name) {
        String point = pointOf(name);
        return !point.equals(ATTN_SCORES) && !point.equals(PATTERN);
    }

    /**
     * The axis of a hook point's activation that holds the heads: 2 for the per-head points laid out
     * {@code [B, T, NH, ...]} (q, k, v, z, result, and the per-head q, k and v inputs), 1 for the attention scores and pattern ({@code [B, NH, T, T]}),
     * -1 where the activation has no head axis.
     */
    public static int headAxis(String name) {
        return switch (pointOf(name)) {
            case Q, K, V, Z, RESULT, Q_INPUT, K_INPUT, V_INPUT -> 2;
            case ATTN_SCORES, PATTERN -> 1;
            default -> -1;
        };
    }

    /** The axis of a hook point's activation that holds the (query) positions: 2 for scores and pattern, else 1. */
    public static int positionAxis(String name) {
        return batchThenPosition(name) ? 1 : 2;
    }

    /**
     * The shape a hook point's activation has for a batch of {@code batch} sequences of {@code t} tokens.
     */
    public static long[] shape(String name, int batch, int t, int nHead, int nEmbd, int vocab) {
        int hs = nEmbd / nHead;
        return switch (pointOf(name)) {
            case QKV -> new long[] {batch, t, 3L * nEmbd};
            case Q, K, V, Z -> new long[] {batch, t, nHead, hs};
            case RESULT, Q_INPUT, K_INPUT, V_INPUT -> new long[] {batch, t, nHead, nEmbd};
            case ATTN_SCORES, PATTERN -> new long[] {batch, nHead, t, t};
            case MLP_PRE, MLP_POST -> new long[] {batch, t, 4L * nEmbd};
            case LOGITS -> new long[] {batch, t, vocab};
            default -> new long[] {batch, t, nEmbd};
        };
    }
}
