package jlens.intervene;

import java.util.Arrays;
import java.util.List;
import jlens.hook.HookPoint;
import jlens.model.Gpt2Config;

/**
 * One change to a forward pass: at hook point {@code hook}, the {@code cells} (positions, heads; all by default) get
 * {@code value} (zeros, a mean, another run's activation, a steering vector added, a scale, a Java function). The
 * one value every route takes: ablation sweeps and activation patching ({@link Experiments}), generation at every
 * step, the changes in force on a workspace, prompt sets. Every route applies it through the same select, so it
 * means the same everywhere, NaN included, and in a cached generation step or a sweep's window (whose activation
 * starts at a later position) a position means the same sequence position as in a full pass.
 *
 * <pre>{@code
 * Intervention knockout = Intervention.zeroHead(9, 4, 7);               // z of head 4, layer 9, at position 7
 * Intervention steer = new Intervention("blocks.6.hook_resid_pre", Cells.ALL,
 *         new Value.Add(Value.Table.of(vector), 4.0, "love - hate"));
 * }</pre>
 *
 * @param hook an exact hook name ({@code blocks.9.attn.hook_z}, {@code hook_embed}); see {@link HookPoint}
 */
public record Intervention(String hook, Cells cells, Value value) {
    public Intervention {
        if (hook == null || cells == null || value == null) {
            throw new IllegalArgumentException("an intervention needs a hook point, cells and a value");
        }
    }

    /** Zeros head {@code head}'s output ({@code hook_z}) of {@code layer} at {@code position} (-1: every position). */
    public static Intervention zeroHead(int layer, int head, int position) {
        return new Intervention(HookPoint.block(layer, HookPoint.Z), Cells.of(head, position), Value.zero());
    }

    /** The block's layer, -1 at {@code hook_embed} and {@code hook_pos_embed}, L (after every block) at the final norm and logits. */
    public int layer(int nLayer) {
        int l = HookPoint.layerOf(hook);
        if (l >= 0) {
            return l;
        }
        return hook.equals(HookPoint.EMBED) || hook.equals(HookPoint.POS_EMBED) ? -1 : nLayer;
    }

    /** Whether the hook point has heads (q, k, v, z, result, scores, pattern). */
    public boolean perHead() {
        return HookPoint.headAxis(hook) >= 0;
    }

    /** The first sequence position the change can reach (0 for every position). */
    public int firstPosition() {
        return cells.firstPosition();
    }

    /**
     * Checks the change against a model before any pass: a hook point it has, heads and positions in range, a
     * vector or table as wide as one position there, and a value the hook point's layout takes.
     *
     * @throws IllegalArgumentException naming what does not fit
     */
    public void check(Gpt2Config config) {
        if (!HookPoint.all(config.nLayer()).contains(hook)) {
            throw new IllegalArgumentException("unknown hook point '" + hook + "' for a model of " + config.nLayer() + " layers");
        }
        if (!cells.allHeads()) {
            if (!perHead()) {
                throw new IllegalArgumentException(hook + " has no heads; give positions only");
            }
            for (int h : cells.heads()) {
                if (h >= config.nHead()) {
                    throw new IllegalArgumentException("head " + h + " is out of range: the model has heads 0.." + (config.nHead() - 1));
                }
            }
        }
        if (cells.lastPosition() >= config.nPositions()) {
            throw new IllegalArgumentException("position " + cells.lastPosition() + " is past the model's context of "
                    + config.nPositions());
        }
        checkFinite();
        boolean byPosition = HookPoint.batchThenPosition(hook);
        Value.Table table = value instanceof Value.Add a ? a.vector() : value instanceof Value.Put p ? p.values() : null;
        if ((table != null || value instanceof Value.MeanOfRun) && !byPosition) {
            throw new IllegalArgumentException(hook + " is [B, NH, T, T] (heads, then query and key positions): it takes zeros,"
                    + " a scale, another run's values or a Java function, not a vector or a mean");
        }
        if (value instanceof Value.Senders senders) {
            checkSenders(config, senders);
        }
        if (table != null) {
            long[] shape = HookPoint.shape(hook, 1, 1, config.nHead(), config.nEmbd(), config.vocabSize());
            long width = Arrays.stream(shape).skip(2).reduce(1, (x, y) -> x * y);
            if (table.width() != width) {
                throw new IllegalArgumentException("a vector at " + hook + " has " + width + " values per position ("
                        + Arrays.toString(Arrays.copyOfRange(shape, 2, shape.length)) + "); this one has " + table.width());
            }
            if (table.positions() > 0 && cells.lastPosition() >= table.positions()) { // every position: checked by each pass
                throw new IllegalArgumentException(SiteEdits.pastTheEnd(hook, table.positions(), cells.lastPosition()));
            }
        }
    }

    /**
     * Re-routed senders fit when this hook point is a residual-stream width wide ({@code [B, T, C]}, or per head
     * {@code [B, T, NH, C]} with a weight per head), and each sender is such a point (a head of it, at a per-head
     * point) that the forward pass reaches before this one.
     */
    private void checkSenders(Gpt2Config config, Value.Senders senders) {
        List<String> order = HookPoint.all(config.nLayer());
        int perSender = perPosition(hook, config);
        if (perSender < 0) {
            throw new IllegalArgumentException(hook + " is not as wide as the residual stream: re-routed senders go into"
                    + " a residual-stream input (hook_q_input, hook_mlp_in, hook_resid_post, ...)");
        }
        if (senders.perSender() != perSender) {
            throw new IllegalArgumentException("re-routed senders at " + hook + " take " + perSender + " weight"
                    + (perSender == 1 ? "" : "s (one per head)") + " each; these have " + senders.perSender());
        }
        for (Value.Sender sender : senders.senders()) {
            if (!order.contains(sender.hook()) || order.indexOf(sender.hook()) >= order.indexOf(hook)) {
                throw new IllegalArgumentException("sender " + sender.hook() + " is not a hook point before " + hook);
            }
            int heads = perPosition(sender.hook(), config);
            if (heads < 0 || (heads == 1) != (sender.head() < 0) || sender.head() >= heads) {
                throw new IllegalArgumentException("sender " + sender.hook() + (sender.head() < 0 ? "" : " head " + sender.head())
                        + " does not fit: a sender is a residual-stream-wide point, or one head (0.." + (config.nHead() - 1)
                        + ") of a per-head one");
            }
        }
    }

    /** 1 for a point {@code [B, T, C]}, NH for a per-head point {@code [B, T, NH, C]}, -1 for any other. */
    private static int perPosition(String name, Gpt2Config config) {
        if (!HookPoint.batchThenPosition(name)) {
            return -1;
        }
        long[] shape = HookPoint.shape(name, 1, 1, config.nHead(), config.nEmbd(), config.vocabSize());
        if (shape.length == 3 && shape[2] == config.nEmbd()) {
            return 1;
        }
        return shape.length == 4 && shape[2] == config.nHead() && shape[3] == config.nEmbd() ? config.nHead() : -1;
    }

    /**
     * Refuses a value that is not made of finite numbers (a NaN scale, a vector or mean taken from a run that went
     * NaN): it would make every later activation NaN, and what is read from the run undefined.
     */
    private void checkFinite() {
        double factor = value instanceof Value.Scale s ? s.factor() : value instanceof Value.Add a ? a.coeff() : 0;
        Value.Table table = value instanceof Value.Add a ? a.vector() : value instanceof Value.Put p ? p.values() : null;
        boolean bad = !Double.isFinite(factor);
        long badValues = 0;
        if (table != null) {
            for (float x : table.data()) {
                badValues += Float.isFinite(x) ? 0 : 1;
            }
        }
        if (bad || badValues > 0) {
            throw new IllegalArgumentException(describe() + ": " + (bad ? "its factor is not a finite number"
                    : badValues + " of its " + table.data().length + " values are NaN or infinite (taken from a run that is not"
                    + " finite?)") + "; a change must be made of finite numbers");
        }
    }

    /** For a reader: {@code blocks.9.attn.hook_z head 4 at position 7: zeroed}. */
    public String describe() {
        String where = cells.describe();
        return hook + (where.isEmpty() ? "" : " " + where) + ": " + value.describe();
    }
}
