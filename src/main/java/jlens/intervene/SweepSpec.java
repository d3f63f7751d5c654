package jlens.intervene;

import java.util.ArrayList;
import java.util.List;
import jlens.model.Gpt2Config;

/**
 * What a sweep measures: for each case, the log-probability of {@code target} predicted at position
 * {@code predictAt} of {@code ids} with that one activation replaced. Positions are 0-based indices into
 * {@code ids}; the factories also take negative ones, counted from the end (-2 is the notebook's token).
 *
 * @param ids the (clean) text's token ids
 * @param site the hook point replaced
 * @param kind the replacement
 * @param corruptIds the other text for {@link AblationKind#PATCH}, same length as {@code ids}; null otherwise
 * @param cases the ablations, one result each, in this order
 * @param predictAt the position whose logits are read (default: the second last, predicting the last token)
 * @param target the token whose log-probability is recorded (default: the last token)
 */
public record SweepSpec(long[] ids, Site site, AblationKind kind, long[] corruptIds, List<AblationCase> cases,
                        int predictAt, long target) {
    /** The notebook's ablated (and predicting) position: the second last token. */
    public static final int NOTEBOOK_POSITION = -2;

    public SweepSpec {
        ids = ids.clone();
        corruptIds = corruptIds == null ? null : corruptIds.clone();
        cases = List.copyOf(cases);
        if (ids.length == 0) {
            throw new IllegalArgumentException("no tokens to sweep; give a text first");
        }
        if (predictAt < 0 || predictAt >= ids.length) {
            throw new IllegalArgumentException("prediction position " + predictAt + " is outside the text's 0.." + (ids.length - 1));
        }
        if ((kind == AblationKind.PATCH) != (corruptIds != null)) {
            throw new IllegalArgumentException(kind == AblationKind.PATCH ? "patching needs a corrupted text (withPatchFrom)"
                    : "a corrupted text is only used by patching");
        }
        if (corruptIds != null && corruptIds.length != ids.length) {
            throw new IllegalArgumentException("the corrupted text has " + corruptIds.length + " tokens and the clean one "
                    + ids.length + "; patching needs texts of the same length");
        }
        for (AblationCase c : cases) {
            if (c.position() >= ids.length) {
                throw new IllegalArgumentException("position " + c.position() + " is outside the text's 0.." + (ids.length - 1));
            }
            if (site.perHead() == (c.head() < 0)) {
                throw new IllegalArgumentException(site + (site.perHead() ? " cases need a head" : " cases take no head"));
            }
        }
    }

    /** The notebook: zero {@code head} at token -2 in every layer; log-prob of the last token predicted at -2. */
    public static SweepSpec notebook(Gpt2Config config, long[] ids, int head) {
        return layers(config, ids, Site.Z, head, NOTEBOOK_POSITION);
    }

    /** One case per layer at {@code position}; {@code head} is ignored for per-position sites. */
    public static SweepSpec layers(Gpt2Config config, long[] ids, Site site, int head, int position) {
        int p = position(ids, position);
        int h = head(config, site, head);
        List<AblationCase> cases = new ArrayList<>();
        for (int l = 0; l < config.nLayer(); l++) {
            cases.add(new AblationCase(l, h, p));
        }
        return defaults(ids, site, cases);
    }

    /** Every layer x head of {@code hook_z} at {@code position}, layer-major. */
    public static SweepSpec grid(Gpt2Config config, long[] ids, int position) {
        return grid(config, ids, Site.Z, position);
    }

    /** Every layer x head of a per-head {@code site} at {@code position}, layer-major. */
    public static SweepSpec grid(Gpt2Config config, long[] ids, Site site, int position) {
        int p = position(ids, position);
        List<AblationCase> cases = new ArrayList<>();
        for (int l = 0; l < config.nLayer(); l++) {
            for (int h = 0; h < config.nHead(); h++) {
                cases.add(new AblationCase(l, h, p));
            }
        }
        return defaults(ids, site, cases);
    }

    /** Every head of {@code hook_z} in one layer at {@code position}. */
    public static SweepSpec heads(Gpt2Config config, long[] ids, int layer, int position) {
        return heads(config, ids, Site.Z, layer, position);
    }

    /** Every head of a per-head {@code site} in one layer at {@code position}. */
    public static SweepSpec heads(Gpt2Config config, long[] ids, Site site, int layer, int position) {
        int l = layer(config, layer);
        int p = position(ids, position);
        List<AblationCase> cases = new ArrayList<>();
        for (int h = 0; h < config.nHead(); h++) {
            cases.add(new AblationCase(l, h, p));
        }
        return defaults(ids, site, cases);
    }

    /** One head of {@code hook_z} in one layer at {@code position}. */
    public static SweepSpec single(Gpt2Config config, long[] ids, int layer, int head, int position) {
        return single(config, ids, Site.Z, layer, head, position);
    }

    /** One head of a per-head {@code site} in one layer at {@code position}. */
    public static SweepSpec single(Gpt2Config config, long[] ids, Site site, int layer, int head, int position) {
        return defaults(ids, site, List.of(new AblationCase(layer(config, layer), head(config, site, head),
                position(ids, position))));
    }

    /** Every position of one layer ({@code head} ignored for per-position sites). */
    public static SweepSpec positions(Gpt2Config config, long[] ids, Site site, int layer, int head) {
        int l = layer(config, layer);
        int h = head(config, site, head);
        List<AblationCase> cases = new ArrayList<>();
        for (int p = 0; p < ids.length; p++) {
            cases.add(new AblationCase(l, h, p));
        }
        return defaults(ids, site, cases);
    }

    /** Every layer x position (the usual activation-patching heatmap), layer-major. */
    public static SweepSpec layersByPositions(Gpt2Config config, long[] ids, Site site, int head) {
        int h = head(config, site, head);
        List<AblationCase> cases = new ArrayList<>();
        for (int l = 0; l < config.nLayer(); l++) {
            for (int p = 0; p < ids.length; p++) {
                cases.add(new AblationCase(l, h, p));
            }
        }
        return defaults(ids, site, cases);
    }

    /** The same cases with zero or mean replacement. */
    public SweepSpec withKind(AblationKind newKind) {
        if (newKind == AblationKind.PATCH) {
            throw new IllegalArgumentException("patching needs a corrupted text: use withPatchFrom(ids)");
        }
        return new SweepSpec(ids, site, newKind, null, cases, predictAt, target);
    }

    /** The same cases, each replaced by the activation of a run on {@code corrupt} (same length). */
    public SweepSpec withPatchFrom(long[] corrupt) {
        return new SweepSpec(ids, site, AblationKind.PATCH, corrupt, cases, predictAt, target);
    }

    /** Reads {@code target}'s log-prob at {@code position} (negative counts from the end). */
    public SweepSpec withPrediction(int position, long newTarget) {
        return new SweepSpec(ids, site, kind, corruptIds, cases, position(ids, position), newTarget);
    }

    private static SweepSpec defaults(long[] ids, Site site, List<AblationCase> cases) {
        if (ids.length < 2) {
            throw new IllegalArgumentException("a sweep reads the last token's log-prob at the token before it: it needs "
                    + "at least 2 tokens");
        }
        return new SweepSpec(ids, site, AblationKind.ZERO, null, cases, ids.length - 2, ids[ids.length - 1]);
    }

    private static int position(long[] ids, int position) {
        int p = position < 0 ? ids.length + position : position;
        if (p < 0 || p >= ids.length) {
            throw new IllegalArgumentException("position " + position + " is out of range: the text has positions 0.."
                    + (ids.length - 1) + " (or -" + ids.length + "..-1)");
        }
        return p;
    }

    private static int layer(Gpt2Config config, int layer) {
        int l = layer < 0 ? config.nLayer() + layer : layer;
        if (l < 0 || l >= config.nLayer()) {
            throw new IllegalArgumentException("layer " + layer + " is out of range: the model has layers 0.."
                    + (config.nLayer() - 1));
        }
        return l;
    }

    private static int head(Gpt2Config config, Site site, int head) {
        if (!site.perHead()) {
            return -1;
        }
        if (head < 0 || head >= config.nHead()) {
            throw new IllegalArgumentException("head " + head + " is out of range: the model has heads 0.." + (config.nHead() - 1));
        }
        return head;
    }
}
