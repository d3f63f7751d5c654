package jlens.workspace;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jlens.analysis.DirectLogitAttribution;
import jlens.analysis.DirectLogitAttributionResult;
import jlens.analysis.HeadDetectKind;
import jlens.analysis.HeadDetectResult;
import jlens.analysis.HeadDetectScore;
import jlens.analysis.HeadDetector;
import jlens.analysis.LogitLens;
import jlens.analysis.LogitLensResult;
import jlens.analysis.Composition;
import jlens.analysis.Metric;
import jlens.analysis.QkvPart;
import jlens.analysis.RepeatedRandomTokens;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.intervene.Site;
import jlens.intervene.AblationSweep;
import jlens.intervene.Circuit;
import jlens.intervene.EdgeAttribution;
import jlens.intervene.Patch;
import jlens.intervene.PatchKind;
import jlens.intervene.PatchResult;
import jlens.intervene.PatchSpec;
import jlens.intervene.PathPatching;
import jlens.intervene.SweepOptions;
import jlens.intervene.SweepRecord;
import jlens.intervene.SweepResult;
import jlens.intervene.SweepSpec;
import jlens.model.Gpt2;
import jlens.store.KnownCircuits;
import jlens.store.KnownHead;

/**
 * Checks jlens's tools against a model whose answers are known by construction (the known-answer model, on the
 * device and dtype jlens runs on): each head detector ranks its wired head first by a clear margin; the model
 * copies in context, and zeroing the induction head, or the previous-token head that feeds it, collapses that;
 * the fast ablation sweep equals its naive oracle. Each check is one {@link SelfTestCheck} with its numbers.
 *
 * <p>{@link #circuitChecks} adds patching, direct logit attribution and the logit lens: their conservation
 * identities on this model, and that patching and attribution find the wired path. {@link #compositionChecks} adds
 * the weight-based composition scores: each stated composition (previous-token into induction by K, and the IOI
 * circuit's duplicate-token into S-inhibition by K and S-inhibition into the name mover by Q) leads its receiver.
 */
public final class SelfTest {
    /** How far the wired head must lead the next one on its detector's score. */
    static final double DETECT_MARGIN = 0.3;
    /** The second repeat's mean log-prob with copying intact (TransformerLens's induction test). */
    static final double COPYING = -1;
    /** ... and at most this with the head zeroed: close to the uniform -log(50257) = -10.8. */
    static final double COLLAPSED = -5;
    static final int N = 50;

    private SelfTest() {}

    /**
     * Loads the known-answer model with {@code loader} (the device and dtype it loads with) and checks jlens against
     * it; the model is closed after.
     */
    static SelfTestReport run(ModelLoader loader) {
        LoadedModel known;
        try {
            known = loader.load(jlens.store.ModelStore.KNOWN_SPEC);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new WorkspaceException(e.getMessage());
        }
        try (Gpt2 m = known.model()) {
            KnownCircuits wired = KnownCircuits.read(m.dir());
            if (wired == null) {
                throw new WorkspaceException(m.dir() + " has no " + KnownCircuits.FILE + "; delete the folder and retry");
            }
            return withKnownSae(run(m, wired), m);
        } catch (java.io.IOException e) {
            throw new WorkspaceException(e.getMessage());
        }
    }

    public static SelfTestReport run(Gpt2 model, KnownCircuits wired) {
        List<SelfTestCheck> checks = new ArrayList<>();
        long first = Math.min(50256, model.config().vocabSize() - 1);
        List<long[]> prompts = List.of(RepeatedRandomTokens.of(N, 1, model.config().vocabSize(), first),
                RepeatedRandomTokens.of(N, 2, model.config().vocabSize(), first),
                RepeatedRandomTokens.of(N, 3, model.config().vocabSize(), first));
        for (Map.Entry<String, KnownHead> e : wired.byRole().entrySet()) {
            checks.add(detects(model, prompts, e.getKey(), e.getValue()));
        }
        long[] ids = prompts.get(0);
        double[] clean = halves(model, ids, null);
        checks.add(new SelfTestCheck("copying", clean[1] >= COPYING && clean[0] < COLLAPSED,
                "mean log-prob of the next token " + num(clean[0]) + " on the first repeat, " + num(clean[1])
                        + " on the second (needs >= " + num(COPYING) + ")"));
        checks.add(collapses(model, ids, clean[1], "induction", wired.induction()));
        checks.add(collapses(model, ids, clean[1], "previous-token", wired.previousToken()));
        // the naive oracle runs one whole pass per case: a shorter repeat keeps it to seconds
        checks.add(sweepEqualsOracle(model, RepeatedRandomTokens.of(20, 4, model.config().vocabSize(), first), wired));
        checks.addAll(circuitChecks(model, wired));
        checks.addAll(compositionChecks(model, wired));
        return new SelfTestReport(model.device().toString(), model.dtype().toString().toLowerCase(Locale.ROOT), checks);
    }

    /** {@code report} with {@link #knownSae}'s check after the others. */
    static SelfTestReport withKnownSae(SelfTestReport report, Gpt2 model) {
        List<SelfTestCheck> all = new ArrayList<>(report.checks());
        all.add(knownSae(model));
        return new SelfTestReport(report.device(), report.dtype(), all);
    }

    /**
     * The known model's SAE (read as a user's SAE is read, from its folder beside the model): at every position of a
     * sentence, exactly the features of the current token and (from position 2 on) the previous token fire, at 1.
     */
    static SelfTestCheck knownSae(Gpt2 model) {
        String name = "the known SAE names the current and previous tokens";
        long[] ids = model.tokenizer().encode("When Mary and John went to the store, John gave a drink to");
        try (jlens.sae.Sae sae = jlens.sae.Sae.load(ModelCatalog.knownSae(model.dir()), "known", model.device(), Double.NaN)) {
            jlens.sae.SaeFeatures.Activations a = jlens.sae.SaeFeatures.of(model, ids, jlens.sae.SaeSplice.off(sae), List.of(),
                    () -> {});
            double lo = Double.MAX_VALUE;
            double hi = -Double.MAX_VALUE;
            for (int p = 0; p < ids.length; p++) {
                java.util.Set<Integer> want = new java.util.TreeSet<>(List.of(jlens.store.KnownSae.currentToken(ids[p])));
                if (p >= 2) {
                    want.add(jlens.store.KnownSae.previousToken(ids[p - 1]));
                }
                java.util.Set<Integer> got = new java.util.TreeSet<>();
                for (int f : a.top(p, 10)) {
                    got.add(f);
                    lo = Math.min(lo, a.at(p, f));
                    hi = Math.max(hi, a.at(p, f));
                }
                if (!got.equals(want)) {
                    return new SelfTestCheck(name, false, "at position " + p + " features " + got + " fire, not " + want);
                }
            }
            boolean ok = lo > 0.95 && hi < 1.05;
            return new SelfTestCheck(name, ok, "exactly the wired features at all " + ids.length + " positions, activations "
                    + num(lo) + " to " + num(hi) + " (needs 0.95-1.05)");
        } catch (RuntimeException e) {
            return new SelfTestCheck(name, false, e.getMessage());
        }
    }

    /**
     * Patching, direct logit attribution and the logit lens on the known model. The prompt is a 20-token repeat;
     * the metric is the log-prob of its last token, which the induction head copies at position -2 from the key
     * whose previous token matches. The corrupted prompt changes the token before that key, so the key no longer
     * matches: only the previous-token head (which writes the key's previous token) and the induction head (which
     * reads it and copies) can restore the metric when patched.
     */
    static List<SelfTestCheck> circuitChecks(Gpt2 model, KnownCircuits wired) {
        List<SelfTestCheck> checks = new ArrayList<>();
        int n = 20;
        long first = Math.min(50256, model.config().vocabSize() - 1);
        long[] clean = RepeatedRandomTokens.of(n, 5, model.config().vocabSize(), first);
        int at = clean.length - 2; // predicts the last token, r_n
        long answer = clean[clean.length - 1];
        long[] corrupt = clean.clone();
        corrupt[n - 1] = (clean[n - 1] + 1) % model.config().vocabSize(); // the token before r_n's first copy
        Metric metric = Metric.logprob(answer, at);
        double tol = model.dtype() == DataType.FLOAT32 ? 1e-3 : 5e-2;

        PatchResult self = Patch.run(model, new PatchSpec(clean, clean, PatchKind.HEADS, metric));
        double worst = 0;
        for (double v : self.raw()) {
            worst = Math.max(worst, Math.abs(v - self.mClean()));
        }
        checks.add(new SelfTestCheck("patching conserves", worst <= tol, "the prompt patched into itself gives its own"
                + " metric in every head cell, largest difference " + sci(worst) + " (needs <= " + tol + ")"));

        PatchResult r = Patch.run(model, new PatchSpec(clean, corrupt, PatchKind.HEADS, metric));
        double others = 0;
        for (int l = 0; l < model.config().nLayer(); l++) {
            for (int h = 0; h < model.config().nHead(); h++) {
                boolean onPath = (l == wired.previousToken().layer() && h == wired.previousToken().head())
                        || (l == wired.induction().layer() && h == wired.induction().head());
                if (!onPath) {
                    others = Math.max(others, Math.abs(r.normalized(l, h)));
                }
            }
        }
        double prev = cell(r, wired.previousToken(), model);
        double ind = cell(r, wired.induction(), model);
        checks.add(new SelfTestCheck("patching finds the wired path", prev >= 0.9 && ind >= 0.9 && others <= 0.1,
                "clean log-prob " + num(r.mClean()) + ", corrupted " + num(r.mCorrupt()) + "; patching a head restores "
                        + num(prev) + " at " + wired.previousToken() + ", " + num(ind) + " at " + wired.induction()
                        + ", at most " + num(others) + " elsewhere (needs >= 0.9 on the path, <= 0.1 off it)"));

        DirectLogitAttributionResult dla = DirectLogitAttribution.compute(model, clean, at, answer, -1);
        KnownHead top = null;
        double topValue = Double.NEGATIVE_INFINITY;
        for (int l = 0; l < dla.perHead().length; l++) {
            for (int h = 0; h < dla.perHead()[l].length; h++) {
                if (dla.perHead()[l][h] > topValue) {
                    topValue = dla.perHead()[l][h];
                    top = new KnownHead(l, h);
                }
            }
        }
        double dlaGap = Math.abs(dla.total() - dla.logit());
        boolean dlaOk = dlaGap <= tol * Math.max(1, Math.abs(dla.logit())) && wired.induction().equals(top);
        checks.add(new SelfTestCheck("DLA conserves and credits the induction head", dlaOk, "components sum to "
                + num(dla.total()) + " for a logit of " + num(dla.logit()) + "; the largest head term is " + top + " ("
                + num(topValue) + ")"));

        LogitLensResult lens = LogitLens.compute(model, clean, at, answer);
        double[] lp = lens.logprobTarget();
        boolean lensOk = lens.finalRowMaxAbsDiff() <= tol && lp[lp.length - 1] > -1
                && lp[wired.induction().layer()] < -5;
        checks.add(new SelfTestCheck("logit lens conserves and sees the copy appear after the induction layer", lensOk,
                "final row = the model's log-probs within " + sci(lens.finalRowMaxAbsDiff()) + "; the answer's log-prob "
                        + num(lp[wired.induction().layer()]) + " before layer " + wired.induction().layer() + ", "
                        + num(lp[lp.length - 1]) + " at the end"));
        checks.addAll(graphChecks(model, wired, new PatchSpec(clean, corrupt, PatchKind.HEADS, metric)));
        return checks;
    }

    /**
     * Circuit discovery on the same pair: path patching to the induction head finds the previous-token head through
     * its keys (K-composition), not its queries or values; EAP-IG's top edges keep that edge, and the circuit they make
     * keeps the behaviour when every other edge is corrupted.
     */
    static List<SelfTestCheck> graphChecks(Gpt2 model, KnownCircuits wired, PatchSpec pair) {
        KnownHead prev = wired.previousToken();
        KnownHead ind = wired.induction();
        if (prev.layer() >= ind.layer() || ind.layer() >= model.config().nLayer()) {
            return List.of(new SelfTestCheck("path patching finds the K-composition", false, "the wired heads " + prev + " and "
                    + ind + " are not a path of this model"));
        }
        double[] through = new double[3];
        for (int i = 0; i < 3; i++) {
            through[i] = PathPatching.toHeads(model, List.of(), pair, List.of(new PathPatching.Head(ind.layer(), ind.head())),
                    "qkv".charAt(i), SweepOptions.patching()).normalized(prev.layer(), prev.head());
        }
        List<SelfTestCheck> checks = new ArrayList<>();
        checks.add(new SelfTestCheck("path patching finds the K-composition " + prev + " -> " + ind, through[1] <= -0.5
                && Math.abs(through[0]) <= 0.1 && Math.abs(through[2]) <= 0.1, "the path through " + ind + "'s keys "
                + num(through[1]) + ", queries " + num(through[0]) + ", values " + num(through[2])
                + " (needs <= -0.5 through k, |.| <= 0.1 through q and v)"));
        String edge = "a" + prev.layer() + ".h" + prev.head() + "->a" + ind.layer() + ".h" + ind.head() + "<k>";
        EdgeAttribution.Scores ig = EdgeAttribution.eapIg(model, List.of(), List.of(pair), 30, SweepOptions.defaults());
        Circuit.Selection top = Circuit.top(ig.graph(), ig.scores(), 8);
        Circuit.Eval eval = Circuit.eval(model, List.of(), List.of(pair), top, SweepOptions.patching());
        checks.add(new SelfTestCheck("EAP-IG's top edges keep " + edge + " and the circuit keeps the behaviour",
                top.has(edge) && eval.faithfulness() >= 0.8, "top 8 edges (" + top.edgeCount() + " after pruning) "
                + (top.has(edge) ? "keep it" : "lose it") + "; faithfulness " + num(eval.faithfulness()) + " (needs >= 0.8)"));
        return checks;
    }

    /** How far the wired sender's composition score must lead the next sender into the same receiver. */
    static final double COMPOSE_LEAD = 5;

    /**
     * Composition scores (weights only) find each stated composition: into the induction head, the previous-token
     * head's K-composition; into the S-inhibition head, the duplicate-token head's K-composition; into the name mover,
     * the S-inhibition head's Q-composition: each the largest into its receiver, {@link #COMPOSE_LEAD} times the next.
     */
    static List<SelfTestCheck> compositionChecks(Gpt2 model, KnownCircuits wired) {
        List<SelfTestCheck> checks = new ArrayList<>();
        checks.add(composes(model, QkvPart.K, wired.previousToken(), wired.induction(), "previous-token", "induction"));
        if (wired.ioi() != null) {
            checks.add(composes(model, QkvPart.K, wired.ioi().duplicateToken(), wired.ioi().sInhibition(),
                    "duplicate-token", "S-inhibition"));
            checks.add(composes(model, QkvPart.Q, wired.ioi().sInhibition(), wired.ioi().nameMover(), "S-inhibition",
                    "name mover"));
        }
        return checks;
    }

    private static SelfTestCheck composes(Gpt2 model, QkvPart part, KnownHead from, KnownHead to, String fromRole,
            String toRole) {
        String name = "compose " + part.label() + ": " + fromRole + " -> " + toRole;
        int nl = model.config().nLayer();
        int nh = model.config().nHead();
        if (from.layer() >= nl || from.head() >= nh || to.layer() >= nl || to.head() >= nh) {
            return new SelfTestCheck(name, false, from + " or " + to + " is not a head of this model");
        }
        Composition.Scores s = Composition.of(model, part);
        double own = s.get(from.layer(), from.head(), to.layer(), to.head());
        double next = 0;
        KnownHead nextHead = null;
        for (int l = 0; l < to.layer(); l++) {
            for (int h = 0; h < nh; h++) {
                double v = s.get(l, h, to.layer(), to.head());
                if (!(l == from.layer() && h == from.head()) && v > next) { // NaN (a head of zero weights) is never more
                    next = v;
                    nextHead = new KnownHead(l, h);
                }
            }
        }
        boolean ok = own > 0 && own >= COMPOSE_LEAD * next;
        return new SelfTestCheck(name, ok, from + " -> " + to + " scores " + sci(own) + ", the next sender "
                + (nextHead == null ? "none" : nextHead + " " + sci(next)) + " (needs " + num(COMPOSE_LEAD)
                + " times the next)");
    }

    private static double cell(PatchResult r, KnownHead h, Gpt2 model) {
        return h.layer() < model.config().nLayer() && h.head() < model.config().nHead()
                ? r.normalized(h.layer(), h.head()) : Double.NaN;
    }

    private static String sci(double v) {
        return String.format(Locale.ROOT, "%.2g", v);
    }

    private static SelfTestCheck detects(Gpt2 model, List<long[]> prompts, String role, KnownHead head) {
        HeadDetectResult r = HeadDetector.detect(model, prompts, HeadDetectKind.parse(role), false, false);
        List<HeadDetectScore> top = r.top(2);
        HeadDetectScore best = top.get(0);
        HeadDetectScore next = top.size() > 1 ? top.get(1) : new HeadDetectScore(-1, -1, 0);
        double own = inRange(r, head) ? r.score(head.layer(), head.head()) : Double.NaN;
        boolean first = best.layer() == head.layer() && best.head() == head.head();
        boolean ok = first && best.score() - next.score() >= DETECT_MARGIN;
        String detail = first
                ? head + " scores " + num(own) + ", next " + next.layer() + "." + next.head() + " " + num(next.score())
                : "expected " + head + " first (it scores " + num(own) + "), but " + best.layer() + "." + best.head()
                        + " scores " + num(best.score());
        return new SelfTestCheck("detect " + role, ok, detail + " (needs first by >= " + num(DETECT_MARGIN) + ")");
    }

    private static boolean inRange(HeadDetectResult r, KnownHead h) {
        return h.layer() < r.nLayer() && h.head() < r.nHead();
    }

    private static SelfTestCheck collapses(Gpt2 model, long[] ids, double clean, String role, KnownHead head) {
        double zeroed = halves(model, ids, head)[1];
        return new SelfTestCheck("zeroing the " + role + " head collapses copying", zeroed <= COLLAPSED,
                "second repeat " + num(clean) + " -> " + num(zeroed) + " with " + head + "'s hook_z zeroed (needs <= "
                        + num(COLLAPSED) + ")");
    }

    /** Mean log-prob of the true next token over the first and second repeat, optionally with one head zeroed. */
    static double[] halves(Gpt2 model, long[] ids, KnownHead zeroed) {
        try (Hooks.Scope scope = model.hooks().scope(); NDManager m = model.manager().newSubManager()) {
            if (zeroed != null) {
                if (zeroed.layer() >= model.config().nLayer() || zeroed.head() >= model.config().nHead()) {
                    return new double[] {Double.NaN, Double.NaN};
                }
                scope.add(HookPoint.block(zeroed.layer(), HookPoint.Z), (name, z) -> {
                    NDArray out = z.duplicate(); // [B, T, NH, HS]
                    out.set(new NDIndex(":, :, " + zeroed.head() + ", :"), 0f);
                    return out;
                });
            }
            NDArray lp = model.forward(ids, m).toType(DataType.FLOAT32, false).logSoftmax(2); // [1, T, V]
            int n = (ids.length - 1) / 2;
            double[] out = new double[2];
            for (int p = 0; p < 2 * n; p++) {
                out[p < n ? 0 : 1] += lp.getFloat(0, p, ids[p + 1]) / n;
            }
            return out;
        }
    }

    /**
     * Two sweeps whose cases matter on this model, fast path against the naive loop: every layer x head zeroed at
     * token -2 (zeroing the induction head there loses the prediction), and the previous-token head zeroed at each
     * position in turn (at the earlier copy it cuts the induction head's key).
     */
    private static SelfTestCheck sweepEqualsOracle(Gpt2 model, long[] ids, KnownCircuits wired) {
        List<SweepSpec> specs = new ArrayList<>(List.of(SweepSpec.grid(model.config(), ids, ids.length - 2)));
        KnownHead prev = wired.previousToken();
        if (prev.layer() < model.config().nLayer() && prev.head() < model.config().nHead()) {
            specs.add(SweepSpec.positions(model.config(), ids, Site.Z, prev.layer(), prev.head()));
        }
        double worst = 0;
        int cases = 0;
        int moved = 0;
        for (SweepSpec spec : specs) {
            SweepResult fast = AblationSweep.run(model, spec, SweepOptions.defaults());
            SweepResult naive = AblationSweep.run(model, spec, SweepOptions.defaults().withNaive(true));
            worst = Math.max(worst, Math.abs(fast.clean() - naive.clean()));
            for (int i = 0; i < fast.records().size(); i++) {
                SweepRecord a = fast.records().get(i);
                SweepRecord b = naive.records().get(i);
                worst = Math.max(worst, Math.abs(a.logprob() - b.logprob()));
                cases++;
                if (Math.abs(b.logprob() - naive.clean()) > 1) {
                    moved++;
                }
            }
        }
        double tol = model.dtype() == DataType.FLOAT32 ? 1e-3 : 5e-2;
        return new SelfTestCheck("fast ablation sweep = naive oracle", worst <= tol && moved > 0, cases
                + " cases (every layer x head at token -2, " + prev + " at every position), " + moved
                + " of them move the log-prob by > 1; largest fast - naive difference "
                + String.format(Locale.ROOT, "%.2g", worst) + " (needs <= " + tol + ")");
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
